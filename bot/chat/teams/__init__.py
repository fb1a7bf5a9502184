"""Microsoft Teams: Adaptive Card rendering and inbound activities for the chat port."""
