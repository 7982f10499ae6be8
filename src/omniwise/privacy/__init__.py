"""The privacy center: what anyone may read and ask about their information, without an account."""
