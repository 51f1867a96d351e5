"""Goods receipts (the receiving helper writes them)."""
