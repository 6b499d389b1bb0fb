"""Accounts: sign-up (the rest is django.contrib.auth), a rate-limited log-in, the 429 page."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, PasswordResetView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView
from django_ratelimit.decorators import ratelimit

from annotations.forms import SignUpForm
from annotations.ratelimits import login_rate, password_reset_rate, signup_limited


def next_url(request, default):
    """Where to go after logging in or signing up: ``next`` if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class SignUpView(FormView):
    template_name = "registration/signup.html"
    form_class = SignUpForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(next_url(request, reverse("annotations:me")))
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
        login(self.request, user)
        messages.success(self.request, f"Welcome, {user.get_username()}. You can now add notes and suggest corrections.")
        return redirect(next_url(self.request, reverse("annotations:edition")))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


# Log-in attempts per IP: a guessed password costs a request.
rate_limited_login = ratelimit(key="ip", rate=login_rate, method="POST", block=True)(LoginView.as_view())
# Password-reset requests per IP: each one sends an email to someone.
rate_limited_password_reset = ratelimit(key="ip", rate=password_reset_rate, method="POST", block=True)(
    PasswordResetView.as_view()
)


def rate_limited(request, exception):
    """settings.RATELIMIT_VIEW: any view blocked by django-ratelimit answers with this page."""
    return render(request, "429.html", status=429)
