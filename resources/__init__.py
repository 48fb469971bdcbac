"""Data shipped with Songsketch (the default model and its card); found with importlib.resources."""
