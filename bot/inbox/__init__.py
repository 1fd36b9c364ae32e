"""The durable inbox: inbound updates stored before they are acknowledged, handled per chat."""
