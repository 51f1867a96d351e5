"""Pages of claims on deliveries."""

from django.urls import path

from . import scorecard_views, supplier_views, views

app_name = "claims"
urlpatterns = [
    path("", views.index, name="index"),
    path("receipts/<int:receipt_pk>/new/", views.raise_claim, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/link/", views.renew_link, name="renew-link"),
    path("suppliers/<str:code>/", scorecard_views.supplier_page, name="supplier"),
    # The supplier's answer page: public, reached by the claim's signed link only.
    path("answer/<str:token>/", supplier_views.answer_page, name="answer"),
]
