"""The security suite (a package so that its platform fixture ends with the folder)."""
