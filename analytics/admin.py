from django.contrib import admin

from .models import ScheduledReport


@admin.register(ScheduledReport)
class ScheduledReportAdmin(admin.ModelAdmin[ScheduledReport]):
    list_display = ["name", "owner", "report", "file_format", "weekday", "is_active", "last_sent_on"]
    list_filter = ["report", "is_active", "weekday"]
    search_fields = ["name", "owner__user__username"]
    raw_id_fields = ["owner"]
