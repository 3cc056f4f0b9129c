"""The stack tools: stack files and the project's base, inheritance, the entries a stack declares
(``__main__.py``) and ``scripts/stack-spec``. Imports ``provider.schema`` and ``provider.core``; never Pulumi.
"""
