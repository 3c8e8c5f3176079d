from django.contrib import admin

from .models import Report, ReportItem


class ReportItemInline(admin.TabularInline):
    model = ReportItem
    extra = 0
    raw_id_fields = ["item"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "owner", "job", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status", "language"]
    search_fields = ["title", "owner__username"]
    raw_id_fields = ["owner", "job"]
    inlines = [ReportItemInline]
