"""The PySide6 program. It calls app/ services and queries and holds no business rule."""
