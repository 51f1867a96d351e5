from django.urls import path, re_path

from . import views

app_name = "scim"

urlpatterns = [
    path("ServiceProviderConfig", views.service_provider_config, name="config"),
    path("ResourceTypes", views.resource_types, name="resource-types"),
    path("ResourceTypes/<str:name>", views.resource_type, name="resource-type"),
    path("Schemas", views.schemas, name="schemas"),
    re_path(r"^Schemas/(?P<schema_id>[A-Za-z0-9:._-]{1,200})$", views.schema, name="schema"),
    path("Users", views.users_list, name="users"),
    path("Users/<str:user_id>", views.user_detail, name="user"),
    path("Groups", views.groups_list, name="groups"),
    path("Groups/<str:group_id>", views.group_detail, name="group"),
]
