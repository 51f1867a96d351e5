"""Contracts and framework agreements: their pages, API, burn-down and alerts (the models and prices are the core's)."""
