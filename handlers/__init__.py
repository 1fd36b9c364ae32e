"""Channel-neutral conversation logic: an Incoming message in, a list of Replies out."""
