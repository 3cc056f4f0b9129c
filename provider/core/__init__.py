"""The reconciliation core: the plan (declared vs live), the preview's decision, capacity, the waiter and the
lifecycle of a create, update, run-state change or delete. Imports ``provider.schema`` and ``provider.client``;
never Pulumi, so a native provider could wrap it too.
"""
