"""The API client: the seven Ray-cluster operations over httpx, signed, retried and decoded into typed models or
typed errors. Imports only ``provider.schema``; never Pulumi.
"""
