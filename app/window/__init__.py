"""The main window: it lays out the widgets and wires their signals to the controllers;
its menus and toolbar, the recent-files menu, and the feedback it gives (status, messages)."""
