"""The command line: a front end beside the window, using the engine's facade."""
