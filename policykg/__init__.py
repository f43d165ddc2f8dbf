"""The `policykg` command: the pipeline's and the server's sub-commands together."""
