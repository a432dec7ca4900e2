"""Built-in Azure role definitions the stacks assign (Microsoft Learn, 'Azure built-in roles').

The ids are the same in every tenant; a role assignment refers to
``/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<id>``.
"""

from __future__ import annotations

ROLES_SOURCE = "Microsoft Learn, 'Azure built-in roles' (role name -> id)"

STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
VIRTUAL_MACHINE_USER_LOGIN = "fb879df8-f326-4884-b1cf-06f3ad86be52"
VIRTUAL_MACHINE_ADMINISTRATOR_LOGIN = "1c0163c0-47e6-4577-8991-ea5c82e286e4"

ROLE_DEFINITIONS: dict[str, str] = {
    STORAGE_BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
    VIRTUAL_MACHINE_USER_LOGIN: "Virtual Machine User Login",
    VIRTUAL_MACHINE_ADMINISTRATOR_LOGIN: "Virtual Machine Administrator Login",
}

# Roles the bootstrap gives the deploy and read identities (docs/GITOPS.md; Microsoft Learn, 'Azure built-in roles').
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"  # Role Based Access Control Administrator
