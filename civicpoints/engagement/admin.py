from django.contrib import admin

from civicpoints.engagement.models import (
    CheckIn,
    PledgeSignature,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)


class _ReadOnly(admin.ModelAdmin):
    """Participation records are written by the services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    extra = 0


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0


@admin.register(Quiz)
class QuizAdmin(_ReadOnly):
    list_display = ("title", "town", "community", "status", "pass_percent", "created_at")
    list_filter = ("status",)
    inlines = [QuizQuestionInline]


@admin.register(Survey)
class SurveyAdmin(_ReadOnly):
    list_display = ("title", "town", "community", "status", "created_at")
    list_filter = ("status",)
    inlines = [SurveyQuestionInline]


@admin.register(CheckIn)
class CheckInAdmin(_ReadOnly):
    list_display = ("resident", "day", "at")
    date_hierarchy = "day"


@admin.register(QuizAttempt)
class QuizAttemptAdmin(_ReadOnly):
    list_display = ("quiz", "resident", "correct", "total", "passed", "at")


@admin.register(PledgeSignature)
class PledgeSignatureAdmin(_ReadOnly):
    list_display = ("resident", "signed_at")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(_ReadOnly):
    list_display = ("survey", "resident", "submitted_at")
