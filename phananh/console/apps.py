from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "phananh.console"
