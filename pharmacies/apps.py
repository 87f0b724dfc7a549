from django.apps import AppConfig


class PharmaciesConfig(AppConfig):
    name = "pharmacies"
    verbose_name = "Pharmacies"

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate

        from pharmacies import row_security

        connection_created.connect(row_security.reset_scope_on_new_connection, dispatch_uid="row_security_new")
        pre_migrate.connect(row_security.operator_scope_for_migrations, dispatch_uid="row_security_migrate")
        # Sent once, after every app's migrations: every tenant table exists by then.
        post_migrate.connect(row_security.protect_after_migrate, sender=self, dispatch_uid="row_security_protect")
        task_prerun.connect(row_security.reset_scope_before_task, dispatch_uid="row_security_task", weak=False)
        task_postrun.connect(row_security.restore_scope_after_task, dispatch_uid="row_security_task_end", weak=False)
