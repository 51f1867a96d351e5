# Models of this app arrive with its issue; the app is wired so that migrations and URLs have a home.
