"""Accounts: sign-up (the rest is django.contrib.auth), log-in and password reset with their limits, the 429 page."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView

from annotations import notifications
from annotations.forms import SignUpForm
from annotations.ratelimits import login_cool_off, login_limited, password_reset_limited, signup_limited


def next_url(request, default):
    """Where to go after logging in or signing up: ``next`` if it is a URL on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class SignUpView(FormView):
    """An account, then straight on to contributing.

    Whether an email address already has an account is never revealed: the
    answer is the same either way. When it has one, the new account is made
    without the address, and its owner gets an email saying so (with how to
    log in or reset the password, if it was them).
    """

    template_name = "registration/signup.html"
    form_class = SignUpForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # A URL, never a view name: redirect() would try to resolve "?next=date" as one.
            return HttpResponseRedirect(next_url(request, reverse("annotations:me")))
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if signup_limited(request):
            form = self.get_form()
            return self.render_to_response(self.get_context_data(form=form, signup_limited=True), status=429)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = next_url(self.request, "")
        return context

    def form_valid(self, form):
        user = form.save()
        if form.address_owner is not None:
            notifications.address_in_use_notify(owner=form.address_owner, new_username=user.get_username())
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, f"Welcome, {user.get_username()}. You can now add notes and suggest corrections.")
        return HttpResponseRedirect(next_url(self.request, reverse("annotations:edition")))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LimitedLoginView(LoginView):
    """django.contrib.auth's log-in, limited per IP here and per account by django-axes (annotations.ratelimits)."""

    def post(self, request, *args, **kwargs):
        if login_limited(request):
            return login_refused(request, heading="Too many log-in attempts from your network for now", status=429)
        return super().post(request, *args, **kwargs)


def login_refused(request, *, heading, detail="", status):
    """The log-in page again, the user name kept, with why this attempt was not made."""
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "refused": {"heading": heading, "detail": detail}, "next": next_url(request, "")}
    return render(request, "registration/login.html", context, status=status)


def login_locked_out(request, original_response=None, credentials=None):
    """settings.AXES_LOCKOUT_CALLABLE: the account had too many wrong passwords; it says how long to wait."""
    minutes = max(1, round(login_cool_off(request).total_seconds() / 60))
    wait = f"{minutes} minutes" if minutes < 120 else f"{round(minutes / 60)} hours"
    return login_refused(
        request,
        heading="This account is locked for now",
        detail=(
            f"There were too many wrong passwords for this account, so log-ins to it are refused for {wait} "
            "(your password was not checked). Try again then, or reset your password by email."
        ),
        status=429,
    )


class LimitedPasswordResetView(PasswordResetView):
    """Reset requests per IP: each one sends an email to someone."""

    def post(self, request, *args, **kwargs):
        if password_reset_limited(request):
            return rate_limited(request)
        return super().post(request, *args, **kwargs)


def rate_limited(request, exception=None):
    """The 429 page, for a request over a limit that has no form to show again."""
    return render(request, "429.html", status=429)
