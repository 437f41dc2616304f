from django.urls import path

from caseway.tumorboard import views

app_name = "tumorboard"
urlpatterns = [
    path("", views.board_list, name="board_list"),
    path("boards/<slug:code>/", views.board_detail, name="board_detail"),
    path(
        "boards/<slug:code>/meetings/generate/",
        views.generate_meetings,
        name="generate_meetings",
    ),
    path("boards/<slug:code>/agenda/", views.agenda_plan, name="agenda_plan"),
    path("boards/<slug:code>/agenda/apply/", views.agenda_apply, name="agenda_apply"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/invite/", views.invite_guest, name="invite_guest"),
    path("meetings/<int:pk>/publish/", views.publish_agenda, name="publish_agenda"),
    path("meetings/<int:pk>/close/", views.close_meeting, name="close_meeting"),
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path(
        "participations/<int:pk>/availability/",
        views.declare_availability,
        name="declare_availability",
    ),
    path("cases/new/", views.submit_case, name="case_add"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/confirm/", views.confirm_item, name="case_confirm"),
    path("cases/<int:pk>/triage/", views.triage_case, name="case_triage"),
    path("cases/<int:pk>/move/", views.move_case, name="case_move"),
    path("cases/<int:pk>/withdraw/", views.withdraw_case, name="case_withdraw"),
    path("cases/<int:pk>/rediscuss/", views.rediscuss_case, name="case_rediscuss"),
    path("cases/<int:pk>/recommend/", views.recommend, name="case_recommend"),
    path(
        "recommendations/<int:pk>/edit/",
        views.edit_recommendation,
        name="recommendation_edit",
    ),
    path(
        "recommendations/<int:pk>/sign/",
        views.sign_recommendation,
        name="recommendation_sign",
    ),
    path(
        "recommendations/<int:pk>/amend/",
        views.amend_recommendation,
        name="recommendation_amend",
    ),
    path(
        "recommendations/<int:pk>/follow-up/",
        views.follow_up,
        name="recommendation_follow_up",
    ),
    path("recommendations/<int:pk>/letter/", views.letter, name="recommendation_letter"),
    path(
        "recommendations/<int:pk>/care-plan.json",
        views.care_plan,
        name="recommendation_care_plan",
    ),
    path("metrics/", views.metrics, name="metrics"),
]
