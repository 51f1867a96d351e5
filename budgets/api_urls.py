from django.urls import path

from . import api

urlpatterns = [path("budgets/", api.BudgetListView.as_view(), name="api-budgets")]
