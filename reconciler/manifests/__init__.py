"""Reading manifests: files -> documents with positions -> validated, resolved desired state."""
