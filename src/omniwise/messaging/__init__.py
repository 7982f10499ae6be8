"""Messages to people: a mail outbox sent over SMTP, with one-click unsubscribe and a suppression list."""
