"""One module per section of the ManageEngine MDM API."""
