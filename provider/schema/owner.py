"""The ownership mark: which Pulumi resource manages a cluster, written at the end of its description.

A cluster has no tags in this API, and its description is already written by the provider (``<description>
(Pulumi <project>/<stack>)``), so the mark goes there: `` [owner <project>/<stack>/<resource>]``. It lets a
delete tell "my cluster" from "a cluster another resource adopted since" (issue 17: a rename must never delete
the cluster the new name adopted), and a refused create tell a rename from a stranger's namesake. The plan
strips it before comparing (plan.LEAF_RULES), so it is never a change.
"""

from __future__ import annotations

import re

_MARK = re.compile(r" ?\[owner ([^\[\]]+)\]$")
# What the previous versions wrote: "<description> (Pulumi <project>/<stack>)" or "Managed by Pulumi <p>/<s>".
_STACK_MARK = re.compile(r"(?:\(Pulumi (?P<marked>[^\s/()]+/[^\s()]+)\)|^Managed by Pulumi (?P<managed>[^\s/]+/\S+))$")


def owner_of(description: str | None) -> str | None:
    """The resource (``project/stack/resource``) the mark names, or None without a mark."""
    found = _MARK.search(description or "")
    return found.group(1) if found else None


def without_mark(description: str | None) -> str | None:
    """The description as declared: the owner mark taken off."""
    if description is None:
        return None
    return _MARK.sub("", description)


def with_mark(description: str | None, owner: str) -> str:
    """The description as written: any old mark replaced by ``owner``'s."""
    return f"{without_mark(description) or ''} [owner {owner}]".lstrip()


def is_pulumi_managed(description: str | None) -> bool:
    """True when the description carries a mark of this provider: an owner's, or a previous version's stack mark."""
    return owner_of(description) is not None or bool(_STACK_MARK.search(without_mark(description) or ""))


def without_stack_mark(description: str | None) -> str:
    """The user's part of a description the program marked: ``"X (Pulumi p/s)"`` -> ``"X"``, the bare mark -> ``""``."""
    return split_stack_mark(description)[0].strip()


def split_stack_mark(description: str | None) -> tuple[str, str | None]:
    """(the user's part exactly as the program was given it, the ``project/stack`` of the stack mark or None).

    Both marks are the program's and the provider's, never the user's: the owner mark is taken off first.
    """
    text = without_mark(description) or ""
    found = _STACK_MARK.search(text)
    if found is None:
        return text, None
    return text[: found.start()].removesuffix(" "), found.group("marked") or found.group("managed")


def stack_of(owner: str) -> str:
    """``project/stack`` of an owner ``project/stack/resource``."""
    return owner.rpartition("/")[0]


def resource_of(owner: str) -> str:
    """The resource name of an owner ``project/stack/resource``."""
    return owner.rpartition("/")[2]


__all__ = [
    "is_pulumi_managed",
    "owner_of",
    "resource_of",
    "split_stack_mark",
    "stack_of",
    "with_mark",
    "without_mark",
    "without_stack_mark",
]
