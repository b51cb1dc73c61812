"""Report an error: a reader tells the editors of an error in a published profile, in the
edition they were reading, maybe in one note of it (the logic is in profiles/corrections.py).

Not a public page: it answers one reader, so no cache keeps it (Cache-Control: private,
no-store) and search engines are asked not to index it. The form sets the CSRF cookie; the
report pages, which link here, still set none.
"""

from django.shortcuts import render

from profiles.caching import reader_page
from profiles.corrections import (
    CLIENT_WINDOW,
    BadTarget,
    CorrectionForm,
    client_may_report,
    correction_request_create,
    reported_target,
)


@reader_page
def report_error(request, country, topic):
    params = request.POST if request.method == "POST" else request.GET
    try:
        target = reported_target(country=country, topic=topic, params=params)
    except BadTarget as problem:
        context = {"problem": problem, "country": country, "topic": topic}
        return render(request, "profiles/corrections/bad_target.html", context, status=400)
    if request.method != "POST":
        return _form_page(request, target, CorrectionForm())
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _form_page(request, target, form, status=400)
    if not client_may_report(request):
        response = render(
            request, "profiles/corrections/too_many.html", {"target": target}, status=429
        )
        response["Retry-After"] = str(CLIENT_WINDOW)
        return response
    if not form.is_spam:  # a bot is thanked like anyone, and nothing is stored
        correction_request_create(
            target=target,
            what_is_wrong=form.cleaned_data["what_is_wrong"],
            source=form.cleaned_data["source"],
            email=form.cleaned_data["email"],
        )
    context = {"target": target, "answer_to": form.cleaned_data["email"]}
    return render(request, "profiles/corrections/thanks.html", context)


def _form_page(request, target, form, status=200):
    context = {"target": target, "form": form}
    return render(request, "profiles/corrections/report_error.html", context, status=status)
