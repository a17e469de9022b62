"""The app as the deployment sees it, whatever manifest era it came from, and the field specs."""
