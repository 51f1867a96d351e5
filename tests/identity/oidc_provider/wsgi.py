import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.identity.oidc_provider.settings")
application = get_wsgi_application()
