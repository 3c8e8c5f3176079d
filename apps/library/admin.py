from django.contrib import admin

from .models import ChartGroup, Publication, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["items"]


@admin.register(ChartGroup)
class ChartGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["items"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["item", "published_at", "published_by"]
    raw_id_fields = ["item"]
