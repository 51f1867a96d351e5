from django.urls import path

from . import api

urlpatterns = [
    path("budgets/", api.BudgetListView.as_view(), name="api-budgets"),
    path("budgets/journal/", api.BudgetJournalView.as_view(), name="api-budgets-journal"),
    path("budgets/import/", api.BudgetImportView.as_view(), name="api-budgets-import"),
    path("budgets/<int:pk>/entries/", api.BudgetEntriesView.as_view(), name="api-budget-entries"),
]
