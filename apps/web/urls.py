from django.urls import re_path

from . import views

# Everything but the API, the admin, static files and WebSockets (routed by ASGI, listed for clarity).
urlpatterns = [
    re_path(r"^(?!api/|admin/|static/|ws/)(?P<path>.*)$", views.spa, name="spa"),
]
