//! User administration: list, create, edit, disable, reset a password, assign scopes picked
//! from the territory that exists in the data.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::auth::users::{self, NewUser, UserWithRoles};
use crate::auth::{Assignment, CurrentUser, Profession, Role, password, tokens};
use crate::territory::{self, Territory};

use super::error::WebError;
use super::layout;
use super::session::{Auth, Client, FormData, check_csrf};
use super::{AppState, paths};

fn require_admin(user: &CurrentUser) -> Result<(), WebError> {
    if user.has_role(Role::Admin) {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "Esta área é do administrador do sistema.".into(),
        ))
    }
}

async fn write_audit(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    resource: String,
) -> Result<(), WebError> {
    audit::record(
        &state.db,
        Event::without_persons(Some(user), Action::Write, resource, client.origin()),
    )
    .await?;
    Ok(())
}

fn status_label(u: &crate::store::app_user::Model) -> (&'static str, &'static str) {
    if !u.active {
        ("badge badge-muted", "Desativado")
    } else if u.locked_until.is_some_and(|t| t > chrono::Utc::now()) {
        ("badge badge-bad", "Bloqueado")
    } else if u.must_change_password {
        ("badge badge-warn", "Deve trocar a senha")
    } else {
        ("badge badge-ok", "Ativo")
    }
}

#[handler]
pub async fn list(Auth(user): Auth, Data(state): Data<&AppState>) -> Result<Markup, WebError> {
    require_admin(&user)?;
    let all = users::list(&state.db).await?;
    let footer = state.footer(Some(&user)).await;
    Ok(layout::page(
        "Usuários",
        None,
        &footer,
        html! {
            div class="page-head" {
                h1 { "Usuários" }
                p class="lead" { "Quem entra no sistema, com que perfil e em que território." }
                p { a class="button" href=(paths::ADMIN_NEW_USER) { "Novo usuário" } }
            }
            div class="table-wrap" tabindex="0" role="region" aria-label="Usuários" {
                table class="worklist" {
                    thead { tr {
                        th scope="col" { "Usuário" } th scope="col" { "Nome" } th scope="col" { "Perfis e território" } th scope="col" { "Situação" }
                    } }
                    tbody {
                        @for UserWithRoles { user: u, assignments } in &all {
                            @let (class, label) = status_label(u);
                            tr {
                                td { a href=(paths::admin_user(u.id)) { (u.username) } }
                                td { (u.full_name) }
                                td { ul class="plain" { @for a in assignments { li { (a.describe()) } } } }
                                td { span class=(class) { (label) } }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// The fields that pick one role with its territory.
fn assignment_fields(t: &Territory) -> Markup {
    html! {
        div class="field" {
            label for="perfil" { "Perfil" }
            select id="perfil" name="perfil" required {
                @for r in Role::ALL { option value=(r.key()) { (r.label()) } }
            }
        }
        div class="field" {
            label for="unidade" { "Unidade (coordenação)" }
            select id="unidade" name="unidade" {
                option value="" { "Município todo" }
                @for u in &t.units { option value=(u) { "CNES " (u) } }
            }
        }
        div class="field" {
            label for="equipe" { "Equipe (profissional)" }
            select id="equipe" name="equipe" {
                option value="" { "—" }
                @for team in &t.teams { option value=(team.nu_ine) { (team.no_equipe) " (INE " (team.nu_ine) ")" } }
            }
        }
        div class="field" {
            label for="microarea" { "Equipe e microárea (ACS)" }
            select id="microarea" name="microarea" {
                option value="" { "—" }
                @for (ine, m) in &t.micro_areas {
                    option value=(format!("{ine}|{m}")) {
                        (t.team(ine).map(|x| x.no_equipe.as_str()).unwrap_or(ine)) " — microárea " (m)
                    }
                }
            }
        }
        p class="hint" { "Preencha só o campo do perfil escolhido: unidade para coordenação, equipe para profissional, equipe e microárea para ACS; nada para administração e auditoria." }
    }
}

/// Reads the assignment fields, checking the territory exists.
fn parse_assignment(form: &FormData, t: &Territory) -> Result<Assignment, WebError> {
    let role = Role::from_key(form.get("perfil"))
        .ok_or_else(|| WebError::BadRequest("Escolha um perfil.".into()))?;
    let bad = |m: &str| WebError::BadRequest(m.to_string());
    let a = match role {
        Role::Admin | Role::Auditor => Assignment {
            role,
            cnes: None,
            ine: None,
            micro_area: None,
        },
        Role::Coordinator => {
            let cnes = form.get("unidade").trim();
            if !cnes.is_empty() && !t.has_unit(cnes) {
                return Err(bad("Unidade não encontrada."));
            }
            Assignment {
                role,
                cnes: (!cnes.is_empty()).then(|| cnes.to_string()),
                ine: None,
                micro_area: None,
            }
        }
        Role::Professional => {
            let ine = form.get("equipe").trim();
            if t.team(ine).is_none() {
                return Err(bad("Profissional da equipe: escolha uma equipe da lista."));
            }
            Assignment {
                role,
                cnes: None,
                ine: Some(ine.to_string()),
                micro_area: None,
            }
        }
        Role::Acs => {
            let (ine, m) = form.get("microarea").split_once('|').unwrap_or(("", ""));
            if !t.has_micro_area(ine, m) {
                return Err(bad("ACS: escolha a equipe e a microárea da lista."));
            }
            Assignment {
                role,
                cnes: None,
                ine: Some(ine.to_string()),
                micro_area: Some(m.to_string()),
            }
        }
    };
    a.validate().map_err(bad)?;
    Ok(a)
}

/// The profession select: what a clinical role may do depends on it (docs/permissions.md).
fn profession_field(chosen: &str) -> Markup {
    html! {
        div class="field" {
            label for="profissao" { "Profissão (define o que o perfil clínico pode fazer: receitas e tratamento só por médico/a)" }
            select id="profissao" name="profissao" {
                option value="" selected[chosen.is_empty()] { "Outra / não se aplica" }
                @for p in Profession::ALL {
                    option value=(p.key()) selected[chosen == p.key()] { (p.label()) }
                }
            }
        }
    }
}

/// `profissao`: empty is none; anything else must be a known profession.
fn parse_profession(form: &FormData) -> Result<Option<Profession>, WebError> {
    match form.get("profissao").trim() {
        "" => Ok(None),
        k => Profession::from_key(k)
            .map(Some)
            .ok_or_else(|| WebError::BadRequest("Profissão desconhecida.".into())),
    }
}

fn new_user_form(
    user: &CurrentUser,
    t: &Territory,
    form: Option<&FormData>,
    error: Option<&str>,
) -> Markup {
    let v = |k: &str| form.map(|f| f.get(k).to_string()).unwrap_or_default();
    html! {
        div class="page-head" { h1 { "Novo usuário" } }
        @if let Some(e) = error { div class="notice notice-error" role="alert" { (e) } }
        form method="post" action=(paths::ADMIN_NEW_USER) class="form-stack" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            div class="field" { label for="usuario" { "Nome de usuário" } input id="usuario" name="usuario" required maxlength="40" value=(v("usuario")); }
            div class="field" { label for="nome" { "Nome completo" } input id="nome" name="nome" required maxlength="120" value=(v("nome")); }
            div class="field" { label for="cpf" { "CPF (opcional, permite entrar pelo CPF)" } input id="cpf" name="cpf" inputmode="numeric" maxlength="14" value=(v("cpf")); }
            (profession_field(&v("profissao")))
            fieldset { legend { "Primeiro perfil" } (assignment_fields(t)) }
            button type="submit" class="button" { "Criar usuário" }
        }
    }
}

#[handler]
pub async fn new_form(Auth(user): Auth, Data(state): Data<&AppState>) -> Result<Markup, WebError> {
    require_admin(&user)?;
    let t = territory::load(&state.db).await?;
    let footer = state.footer(Some(&user)).await;
    Ok(layout::page(
        "Novo usuário",
        None,
        &footer,
        new_user_form(&user, &t, None, None),
    ))
}

fn one_time_password(title: &str, username: &str, pw: &str, back: &str) -> Markup {
    html! {
        div class="page-head" { h1 { (title) } }
        div class="notice" role="status" {
            p { "Senha provisória de " strong { (username) } ":" }
            p class="one-time-password" { code { (pw) } }
            p { "Ela aparece só esta vez. Entregue-a pessoalmente; no primeiro acesso o usuário escolhe outra." }
        }
        p { a class="button" href=(back) { "Continuar" } }
    }
}

#[handler]
pub async fn create(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    form: FormData,
) -> Result<Response, WebError> {
    require_admin(&user)?;
    check_csrf(req, Some(&form), &user)?;
    let t = territory::load(&state.db).await?;
    let footer = state.footer(Some(&user)).await;
    let fail = |m: String| {
        layout::page(
            "Novo usuário",
            None,
            &footer,
            new_user_form(&user, &t, Some(&form), Some(&m)),
        )
        .with_status(StatusCode::BAD_REQUEST)
        .into_response()
    };
    let assignment = match parse_assignment(&form, &t) {
        Ok(a) => a,
        Err(WebError::BadRequest(m)) => return Ok(fail(m)),
        Err(e) => return Err(e),
    };
    let profession = match parse_profession(&form) {
        Ok(p) => p,
        Err(WebError::BadRequest(m)) => return Ok(fail(m)),
        Err(e) => return Err(e),
    };
    let pw = password::generate();
    let new = NewUser {
        username: form.get("usuario").to_string(),
        full_name: form.get("nome").to_string(),
        cpf: Some(form.get("cpf").to_string()),
        profession,
        assignments: vec![assignment],
    };
    let created = match users::create(&state.db, &state.config.auth, new, &pw, true).await {
        Ok(u) => u,
        Err(crate::auth::UserError::Invalid(m)) => return Ok(fail(m)),
        Err(e) => return Err(e.into()),
    };
    write_audit(state, &user, &client, format!("user:{}:create", created.id)).await?;
    Ok(layout::page(
        "Usuário criado",
        None,
        &footer,
        one_time_password(
            "Usuário criado",
            &created.username,
            &pw,
            &paths::admin_user(created.id),
        ),
    )
    .with_header("Cache-Control", "no-store")
    .into_response())
}

fn edit_page(
    me: &CurrentUser,
    u: &crate::store::app_user::Model,
    assignments: &[Assignment],
    t: &Territory,
    error: Option<&str>,
) -> Markup {
    let base = paths::admin_user(u.id);
    let (class, label) = status_label(u);
    html! {
        div class="page-head" {
            h1 { "Usuário " (u.username) }
            p { span class=(class) { (label) } }
        }
        @if let Some(e) = error { div class="notice notice-error" role="alert" { (e) } }
        section {
            h2 { "Dados" }
            form method="post" action=(base) class="form-stack" {
                input type="hidden" name="csrf" value=(me.csrf_token);
                div class="field" { label for="nome" { "Nome completo" } input id="nome" name="nome" required maxlength="120" value=(u.full_name); }
                div class="field" { label for="cpf" { "CPF" } input id="cpf" name="cpf" inputmode="numeric" maxlength="14" value=(u.cpf.clone().unwrap_or_default()); }
                (profession_field(u.profession.as_deref().unwrap_or("")))
                button type="submit" class="button" { "Salvar dados" }
            }
        }
        section {
            h2 { "Perfis e território" }
            ul class="plain" {
                @for (i, a) in assignments.iter().enumerate() {
                    li {
                        (a.describe()) " "
                        form method="post" action=(format!("{base}/perfis/remover")) class="inline" {
                            input type="hidden" name="csrf" value=(me.csrf_token);
                            input type="hidden" name="indice" value=(i);
                            button type="submit" class="button button-secondary" { "Remover" }
                        }
                    }
                }
            }
            form method="post" action=(format!("{base}/perfis")) class="form-stack" {
                input type="hidden" name="csrf" value=(me.csrf_token);
                fieldset { legend { "Acrescentar perfil" } (assignment_fields(t)) }
                button type="submit" class="button" { "Acrescentar" }
            }
        }
        section {
            h2 { "Acesso" }
            form method="post" action=(format!("{base}/senha")) class="inline" {
                input type="hidden" name="csrf" value=(me.csrf_token);
                button type="submit" class="button button-secondary" { "Redefinir senha" }
            }
            " "
            form method="post" action=(format!("{base}/situacao")) class="inline" {
                input type="hidden" name="csrf" value=(me.csrf_token);
                @if u.active {
                    input type="hidden" name="ativo" value="nao";
                    button type="submit" class="button button-secondary" { "Desativar" }
                } @else {
                    input type="hidden" name="ativo" value="sim";
                    button type="submit" class="button" { "Reativar" }
                }
            }
        }
        p { a href=(paths::ADMIN_USERS) { "Voltar para a lista de usuários" } }
    }
}

async fn render_edit(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let u = users::find(&state.db, id).await?;
    let assignments = users::assignments(&state.db, id).await?;
    let t = territory::load(&state.db).await?;
    let footer = state.footer(Some(me)).await;
    Ok(layout::page(
        &format!("Usuário {}", u.username),
        None,
        &footer,
        edit_page(me, &u, &assignments, &t, error),
    )
    .with_status(status)
    .into_response())
}

#[handler]
pub async fn edit(
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    require_admin(&user)?;
    let id = id.parse::<i64>().map_err(|_| WebError::NotFound)?;
    render_edit(state, &user, id, None, StatusCode::OK).await
}

/// Runs an admin change; invalid input re-renders the edit page with the message.
async fn after_change(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    id: i64,
    what: &str,
    result: Result<(), WebError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => {
            write_audit(state, me, client, format!("user:{id}:{what}")).await?;
            Ok(Redirect::see_other(paths::admin_user(id)).into_response())
        }
        Err(WebError::BadRequest(m)) => {
            render_edit(state, me, id, Some(&m), StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e),
    }
}

fn parse_id(raw: &str) -> Result<i64, WebError> {
    raw.parse::<i64>().map_err(|_| WebError::NotFound)
}

/// What every change to a user checks first: an admin, a valid CSRF token, a user id.
fn admin_change(
    req: &Request,
    me: &CurrentUser,
    form: &FormData,
    raw_id: &str,
) -> Result<i64, WebError> {
    require_admin(me)?;
    check_csrf(req, Some(form), me)?;
    parse_id(raw_id)
}

#[handler]
pub async fn update(
    req: &Request,
    client: Client,
    Auth(me): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let id = admin_change(req, &me, &form, &id)?;
    let r = match parse_profession(&form) {
        Ok(profession) => {
            match users::update_profile(&state.db, id, form.get("nome"), Some(form.get("cpf")))
                .await
            {
                Ok(()) => users::set_profession(&state.db, id, profession)
                    .await
                    .map_err(WebError::from),
                Err(e) => Err(WebError::from(e)),
            }
        }
        Err(e) => Err(e),
    };
    after_change(state, &me, &client, id, "profile", r).await
}

#[handler]
pub async fn set_active(
    req: &Request,
    client: Client,
    Auth(me): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let id = admin_change(req, &me, &form, &id)?;
    let active = match form.get("ativo") {
        "sim" => true,
        "nao" => false,
        _ => return Err(WebError::BadRequest("Situação inválida.".into())),
    };
    let r = if !active && id == me.id {
        Err(WebError::BadRequest(
            "Você não pode desativar a própria conta.".into(),
        ))
    } else {
        users::set_active(&state.db, id, active)
            .await
            .map_err(WebError::from)
    };
    after_change(
        state,
        &me,
        &client,
        id,
        if active { "enable" } else { "disable" },
        r,
    )
    .await
}

#[handler]
pub async fn reset_password(
    req: &Request,
    client: Client,
    Auth(me): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let id = admin_change(req, &me, &form, &id)?;
    let target = users::find(&state.db, id).await?;
    let pw = password::generate();
    users::set_password(&state.db, &state.config.auth, id, &pw, true).await?;
    write_audit(state, &me, &client, format!("user:{id}:password_reset")).await?;
    let footer = state.footer(Some(&me)).await;
    Ok(layout::page(
        "Senha redefinida",
        None,
        &footer,
        one_time_password(
            "Senha redefinida",
            &target.username,
            &pw,
            &paths::admin_user(id),
        ),
    )
    .with_header("Cache-Control", "no-store")
    .into_response())
}

#[handler]
pub async fn add_assignment(
    req: &Request,
    client: Client,
    Auth(me): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let id = admin_change(req, &me, &form, &id)?;
    users::find(&state.db, id).await?;
    let t = territory::load(&state.db).await?;
    if id == me.id
        && let Ok(a) = parse_assignment(&form, &t)
        && matches!(a.role, Role::Coordinator | Role::Professional | Role::Acs)
    {
        // An admin giving themselves nominal data: its own event in the trail, shown to
        // auditors, and refused unless the configuration allows it.
        let allowed = state.config.auth.admin_may_self_grant_clinical;
        audit::record(
            &state.db,
            Event {
                user: Some(&me),
                action: Action::SelfGrant,
                resource: format!("user:{id}:self_grant:{}", a.role.key()),
                filters: Some(format!(
                    "{}; {}",
                    a.describe(),
                    if allowed { "permitido" } else { "recusado" }
                )),
                persons: Vec::new(),
                person_count: 0,
                origin: client.origin(),
            },
        )
        .await?;
        tracing::warn!(
            user.id = me.id,
            role = a.role.key(),
            allowed,
            "admin self-grant of a clinical role"
        );
        if !allowed {
            return Err(WebError::Forbidden(
                "Um administrador não pode se atribuir um perfil clínico (acesso a dados de pacientes). Peça a outro administrador, ou habilite auth.admin_may_self_grant_clinical na configuração.".into(),
            ));
        }
    }
    let r = async {
        let a = parse_assignment(&form, &t)?;
        let mut all = users::assignments(&state.db, id).await?;
        if all.contains(&a) {
            return Err(WebError::BadRequest("O usuário já tem este perfil.".into()));
        }
        all.push(a);
        users::replace_assignments(&state.db, id, &all)
            .await
            .map_err(WebError::from)
    }
    .await;
    after_change(state, &me, &client, id, "assignment_add", r).await
}

#[handler]
pub async fn remove_assignment(
    req: &Request,
    client: Client,
    Auth(me): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let id = admin_change(req, &me, &form, &id)?;
    users::find(&state.db, id).await?;
    let r = async {
        let mut all = users::assignments(&state.db, id).await?;
        let idx: usize = form
            .get("indice")
            .parse()
            .map_err(|_| WebError::BadRequest("Perfil inválido.".into()))?;
        if idx >= all.len() {
            return Err(WebError::BadRequest("Perfil inválido.".into()));
        }
        let removed = all.remove(idx);
        if id == me.id && removed.role == Role::Admin && !all.iter().any(|a| a.role == Role::Admin)
        {
            return Err(WebError::BadRequest(
                "Você não pode tirar de si o perfil de administrador.".into(),
            ));
        }
        users::replace_assignments(&state.db, id, &all)
            .await
            .map_err(WebError::from)
    }
    .await;
    after_change(state, &me, &client, id, "assignment_remove", r).await
}

// --- API tokens -------------------------------------------------------------------------
//
// Every user manages their own tokens at `/tokens`; the admin's `/admin/tokens` lists every
// token (to revoke a leaked one) and creates tokens only for the admin. Nobody creates a
// token that acts as someone else (`tokens::create` refuses it).

fn token_state(
    t: &tokens::TokenWithUser,
    now: chrono::DateTime<chrono::Utc>,
) -> (&'static str, &'static str) {
    if t.token.revoked_at.is_some() {
        ("badge badge-muted", "Revogado")
    } else if t.token.expires_at <= now {
        ("badge badge-muted", "Expirado")
    } else if !t.user_active {
        ("badge badge-bad", "Usuário desativado")
    } else {
        ("badge badge-ok", "Ativo")
    }
}

fn when(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()
}

/// Which token page: the admin's (every token) or one's own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenView {
    Admin,
    Mine,
}

impl TokenView {
    fn base(self) -> &'static str {
        match self {
            TokenView::Admin => paths::ADMIN_TOKENS,
            TokenView::Mine => paths::MY_TOKENS,
        }
    }
}

/// The token list with the creation form (re-rendered with the message on bad input).
fn tokens_page(
    me: &CurrentUser,
    state: &AppState,
    all: &[tokens::TokenWithUser],
    view: TokenView,
    form: Option<&FormData>,
    error: Option<&str>,
) -> Markup {
    let now = chrono::Utc::now();
    let tz = state.config.time_zone;
    let v = |k: &str, d: &str| {
        form.map(|f| f.get(k).to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| d.to_string())
    };
    let base = view.base();
    html! {
        div class="page-head" {
            h1 { @if view == TokenView::Admin { "Tokens de API" } @else { "Meus tokens de API" } }
            p class="lead" { "Chaves para sistemas integrados lerem a API (" a href="/api/docs" { "documentação" } "). Um token age com o perfil e o território de quem o cria — " strong { "o seu" } "; cada pessoa cria os próprios tokens." }
        }
        @if let Some(e) = error { div class="notice notice-error" role="alert" { (e) } }
        section {
            h2 { "Novo token (em seu nome: " (me.username) ")" }
            form method="post" action=(base) class="form-stack" {
                input type="hidden" name="csrf" value=(me.csrf_token);
                div class="field" { label for="nome" { "Nome (para que sistema)" } input id="nome" name="nome" required maxlength=(tokens::MAX_NAME_CHARS) value=(v("nome", "")); }
                div class="field" { label for="dias" { "Validade em dias (1 a " (tokens::MAX_DAYS) ")" } input id="dias" name="dias" type="number" min="1" max=(tokens::MAX_DAYS) required value=(v("dias", "90")); }
                button type="submit" class="button" { "Criar token" }
            }
        }
        section {
            h2 { "Tokens" }
            @if all.is_empty() {
                p { "Nenhum token criado." }
            } @else {
                div class="table-wrap" tabindex="0" role="region" aria-label="Tokens de API" {
                    table class="worklist" {
                        thead { tr {
                            th scope="col" { "Nome" } th scope="col" { "Usuário" } th scope="col" { "Início" }
                            th scope="col" { "Criado em" } th scope="col" { "Expira em" } th scope="col" { "Último uso" }
                            th scope="col" { "Situação" } th scope="col" { span class="visually-hidden" { "Ações" } }
                        } }
                        tbody {
                            @for t in all {
                                @let (class, label) = token_state(t, now);
                                tr {
                                    td { (t.token.name) }
                                    td { (t.username) }
                                    td { code { (t.token.prefix) "…" } }
                                    td { (when(t.token.created_at, tz)) }
                                    td { (when(t.token.expires_at, tz)) }
                                    td { (t.token.last_used_at.map(|l| when(l, tz)).unwrap_or_else(|| "nunca".into())) }
                                    td { span class=(class) { (label) } }
                                    td {
                                        @if t.token.revoked_at.is_none() {
                                            form method="post" action=(format!("{base}/{}/revogar", t.token.id)) class="inline" {
                                                input type="hidden" name="csrf" value=(me.csrf_token);
                                                button type="submit" class="button button-secondary" { "Revogar" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn render_tokens(
    state: &AppState,
    me: &CurrentUser,
    view: TokenView,
    form: Option<&FormData>,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let all = match view {
        TokenView::Admin => tokens::list(&state.db).await?,
        TokenView::Mine => tokens::list_of(&state.db, me.id).await?,
    };
    let footer = state.footer(Some(me)).await;
    Ok(layout::page(
        "Tokens de API",
        None,
        &footer,
        tokens_page(me, state, &all, view, form, error),
    )
    .with_status(status)
    .into_response())
}

/// `GET /admin/tokens`: every token.
#[handler]
pub async fn list_tokens(
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    require_admin(&user)?;
    render_tokens(state, &user, TokenView::Admin, None, None, StatusCode::OK).await
}

/// `GET /tokens`: the signed-in user's tokens.
#[handler]
pub async fn my_tokens(
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    render_tokens(state, &user, TokenView::Mine, None, None, StatusCode::OK).await
}

/// `POST /admin/tokens`: a token for the admin themselves.
#[handler]
pub async fn create_token(
    req: &Request,
    client: Client,
    Auth(me): Auth,
    Data(state): Data<&AppState>,
    form: FormData,
) -> Result<Response, WebError> {
    require_admin(&me)?;
    create_own_token(req, client, me, state, form, TokenView::Admin).await
}

/// `POST /tokens`: a token for the signed-in user.
#[handler]
pub async fn create_my_token(
    req: &Request,
    client: Client,
    Auth(me): Auth,
    Data(state): Data<&AppState>,
    form: FormData,
) -> Result<Response, WebError> {
    create_own_token(req, client, me, state, form, TokenView::Mine).await
}

async fn create_own_token(
    req: &Request,
    client: Client,
    me: CurrentUser,
    state: &AppState,
    form: FormData,
    view: TokenView,
) -> Result<Response, WebError> {
    check_csrf(req, Some(&form), &me)?;
    // A token for someone else (the old form's `usuario`) is impersonation: refused, and the
    // attempt stays in the trail.
    let other = form.get("usuario").trim();
    if !other.is_empty() && other != me.id.to_string() {
        write_audit(
            state,
            &me,
            &client,
            format!(
                "api_token:refused:for_user:{}",
                other.chars().take(20).collect::<String>()
            ),
        )
        .await?;
        return Err(WebError::Forbidden(tokens::NOT_FOR_OTHERS.into()));
    }
    let Ok(days) = form.get("dias").trim().parse::<i64>() else {
        return render_tokens(
            state,
            &me,
            view,
            Some(&form),
            Some(&format!("Validade: de 1 a {} dias.", tokens::MAX_DAYS)),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let created = match tokens::create(
        &state.db,
        me.id,
        form.get("nome"),
        days,
        Some(me.id),
        chrono::Utc::now(),
    )
    .await
    {
        Ok(t) => t,
        Err(tokens::TokenError::Invalid(m)) => {
            return render_tokens(
                state,
                &me,
                view,
                Some(&form),
                Some(&m),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        Err(tokens::TokenError::NotFound) => return Err(WebError::NotFound),
        Err(tokens::TokenError::Db(e)) => return Err(e.into()),
    };
    write_audit(
        state,
        &me,
        &client,
        format!("api_token:{}:create", created.model.id),
    )
    .await?;
    let footer = state.footer(Some(&me)).await;
    Ok(layout::page(
        "Token criado",
        None,
        &footer,
        html! {
            div class="page-head" { h1 { "Token criado" } }
            div class="notice" role="status" {
                p { "Token " strong { (created.model.name) } " de " strong { (me.username) } ", válido até " (when(created.model.expires_at, state.config.time_zone)) ":" }
                p class="one-time-password" { code { (created.token) } }
                p { "Ele aparece só esta vez: copie-o agora para o sistema integrado. Se perdê-lo, revogue este e crie outro." }
                p { "Uso: cabeçalho " code { "Authorization: Bearer <token>" } " nas chamadas a " code { "/api/v1" } ". Cada chamada fica na auditoria com o número deste token." }
            }
            p { a class="button" href=(view.base()) { "Continuar" } }
        },
    )
    .with_header("Cache-Control", "no-store")
    .into_response())
}

/// `POST /admin/tokens/{id}/revogar`: any token (a leaked one, a departed user's).
#[handler]
pub async fn revoke_token(
    req: &Request,
    client: Client,
    Auth(me): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let id = admin_change(req, &me, &form, &id)?;
    revoke(state, &me, &client, id, None, TokenView::Admin).await
}

/// `POST /tokens/{id}/revogar`: one of the user's own tokens.
#[handler]
pub async fn revoke_my_token(
    req: &Request,
    client: Client,
    Auth(me): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    check_csrf(req, Some(&form), &me)?;
    let id = parse_id(&id)?;
    revoke(state, &me, &client, id, Some(me.id), TokenView::Mine).await
}

async fn revoke(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    id: i64,
    owner: Option<i64>,
    view: TokenView,
) -> Result<Response, WebError> {
    match tokens::revoke(&state.db, id, owner, chrono::Utc::now()).await {
        Ok(_) => {}
        Err(tokens::TokenError::NotFound) => return Err(WebError::NotFound),
        Err(tokens::TokenError::Invalid(m)) => return Err(WebError::BadRequest(m)),
        Err(tokens::TokenError::Db(e)) => return Err(e.into()),
    }
    write_audit(state, me, client, format!("api_token:{id}:revoke")).await?;
    Ok(Redirect::see_other(view.base()).into_response())
}
