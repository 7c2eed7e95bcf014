//! Each programme's own API endpoints (`/api/v1/...`), over the same programme functions the
//! pages call. A programme registers its endpoint groups here, one line in [`Apis`] and
//! [`apis`]; `api::service` mounts them all.

pub mod hypertension;

/// Every programme's endpoint groups (poem-openapi composes nested tuples of two or more; with
/// one programme it is that programme's tuple).
pub type Apis = hypertension::Apis;

/// The value of [`Apis`].
pub fn apis() -> Apis {
    hypertension::apis()
}
