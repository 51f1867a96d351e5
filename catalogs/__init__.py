"""Supplier catalogs loaded in bulk: uploads staged, validated line by line, diffed and published on approval."""
