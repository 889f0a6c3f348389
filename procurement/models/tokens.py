"""API tokens: how other systems sign in."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.roles import Role


class ApiToken(models.Model):
    """A named credential for another system (a logistics platform, a hospital's stock system, a
    laboratory). It acts as its own user, `user`, who holds exactly the token's role and, for a
    hospital's system, memberships of its hospitals, so the API applies the same permission
    matrix and hospital scoping as the pages. Only a SHA-256 hash of the key is stored: the key
    itself is shown once, when the token is created."""

    name = models.CharField(max_length=100, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    prefix = models.CharField(max_length=12, unique=True, help_text="Identifies the key in logs.")
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens_created",
        null=True,
        blank=True,
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens_revoked",
        null=True,
        blank=True,
    )
    revoke_reason = models.TextField(blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
