"""(the receiving helper fills this)."""
