"""(filled by the issue-16 helpers)."""
