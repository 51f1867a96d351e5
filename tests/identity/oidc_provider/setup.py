"""Create the provider's database, people and clients from the world file (run once before the server)."""

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from oauth2_provider.models import Application

    from .validator import world

    call_command("migrate", verbosity=0, interactive=False)
    data = world()
    for client in data["clients"]:
        Application.objects.create(
            name=client["name"],
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(client["redirect_uris"]),
            post_logout_redirect_uris=" ".join(client.get("post_logout_redirect_uris", [])),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )


if __name__ == "__main__":
    main()
