"""Pages of sourcing."""

from django.urls import path

from . import supplier_views, views

app_name = "sourcing"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/compare/", views.compare, name="compare"),
    path("<int:pk>/score/", views.score, name="score"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/award/", views.award, name="award"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
    # The supplier's quote page: public, reached by the invitation's signed link only.
    path("quote/<str:token>/", supplier_views.quote_page, name="quote"),
    path("quote/<str:token>/cxml/", supplier_views.quote_cxml, name="quote-cxml"),
    path("quote/<str:token>/files/<int:attachment_pk>/", supplier_views.quote_attachment, name="quote-attachment"),
]
