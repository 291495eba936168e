"""One module per section of the SimpleMDM API reference."""
