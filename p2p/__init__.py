"""Procure to pay: the flows that cross apps, each written out in one module at the top of the layers
(submit_to_order.py: from a submitted requisition to purchase orders on their way). Not a Django app."""
