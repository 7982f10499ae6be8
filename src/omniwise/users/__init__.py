"""People who sign in to the console and the portal: accounts, passwords, second factors and sessions."""
