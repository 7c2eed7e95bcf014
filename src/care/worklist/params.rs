//! The one parser of a list's parameters. Pages and exports hand it the raw query string; the
//! API hands it its typed parameters one by one ([`Query::set`]); the checks and the Portuguese
//! messages are the same for all of them.

use super::{Choice, ListDef, MAX_PAGE, MAX_SEARCH_CHARS, PER_PAGE_CHOICES, Query, Search};

/// A parameter that cannot be used: which one, and why, in Portuguese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter's name in the query string.
    pub field: String,
    pub message: String,
}

impl ParamError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        ParamError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ParamError> for String {
    fn from(e: ParamError) -> String {
        e.message
    }
}

/// Which page sizes are accepted: the page's choices, or any size up to a limit (the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerPage {
    Choices,
    UpTo(u64),
}

/// "a, b, c ou d".
fn spoken_list(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} ou {last}", rest.join(", ")),
    }
}

fn keys<C: Choice>(all: &[C]) -> String {
    spoken_list(&all.iter().map(|c| c.key().to_string()).collect::<Vec<_>>())
}

/// A team's INE: digits only, at most 20.
pub fn parse_team(v: &str) -> Result<String, ParamError> {
    if v.is_empty() || v.len() > 20 || !v.chars().all(|c| c.is_ascii_digit()) {
        return Err(ParamError::new(
            "equipe",
            "A equipe informada não é válida: use o código INE (só números).",
        ));
    }
    Ok(v.to_string())
}

/// A micro-area code: letters and digits, at most 10.
pub fn parse_micro_area(v: &str) -> Result<String, ParamError> {
    if v.is_empty() || v.chars().count() > 10 || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ParamError::new(
            "microarea",
            "A microárea informada não é válida.",
        ));
    }
    Ok(v.to_string())
}

fn search(v: &str) -> Result<Search, ParamError> {
    if v.chars().count() > MAX_SEARCH_CHARS {
        return Err(ParamError::new(
            "busca",
            format!(
                "A busca aceita no máximo {MAX_SEARCH_CHARS} caracteres. Digite parte do nome, o CNS ou o CPF."
            ),
        ));
    }
    Search::new(v).ok_or_else(|| {
        ParamError::new(
            "busca",
            "A busca precisa de letras ou números: digite parte do nome, o CNS ou o CPF.",
        )
    })
}

fn page(v: &str) -> Result<u64, ParamError> {
    v.parse::<u64>()
        .ok()
        .filter(|p| (1..=MAX_PAGE).contains(p))
        .ok_or_else(|| {
            ParamError::new(
                "page",
                "O número da página deve ser um número inteiro a partir de 1.",
            )
        })
}

fn per_page(v: &str, rule: PerPage) -> Result<u64, ParamError> {
    let n = v.parse::<u64>().ok();
    let (ok, hint) = match rule {
        PerPage::Choices => (
            n.filter(|n| PER_PAGE_CHOICES.contains(n)),
            spoken_list(&PER_PAGE_CHOICES.map(|n| n.to_string())),
        ),
        PerPage::UpTo(max) => (n.filter(|n| (1..=max).contains(n)), format!("de 1 a {max}")),
    };
    ok.ok_or_else(|| {
        ParamError::new(
            "per_page",
            format!("Quantidade por página inválida. Use {hint}."),
        )
    })
}

impl<D: ListDef> Query<D> {
    /// The query string of a page or an export. Empty values mean "no filter"; an unknown
    /// parameter is refused, so a mistyped filter never silently shows everyone.
    pub fn parse(raw: &str) -> Result<Self, ParamError> {
        let mut q = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            q.set(&key, &value, PerPage::Choices)?;
        }
        Ok(q)
    }

    /// One parameter, checked; an empty value leaves the default.
    pub fn set(&mut self, key: &str, value: &str, rule: PerPage) -> Result<(), ParamError> {
        let v = value.trim();
        if v.is_empty() {
            return Ok(());
        }
        let f = &mut self.filters;
        match key {
            "equipe" => f.team = Some(parse_team(v)?),
            "microarea" => f.micro_area = Some(parse_micro_area(v)?),
            "busca" => f.search = Some(search(v)?),
            "pratica" => {
                f.missing = Some(
                    D::PRACTICES
                        .iter()
                        .copied()
                        .find(|p| p.key().eq_ignore_ascii_case(v))
                        .ok_or_else(|| {
                            ParamError::new(
                                key,
                                format!("Boa prática desconhecida. Use {}.", keys(D::PRACTICES)),
                            )
                        })?,
                );
            }
            "ordem" => {
                self.page.sort = D::SORTS
                    .iter()
                    .copied()
                    .find(|s| s.key() == v)
                    .ok_or_else(|| ParamError::new(key, "Ordenação desconhecida."))?;
            }
            "page" => self.page.page = page(v)?,
            "per_page" => self.page.per_page = per_page(v, rule)?,
            _ if D::TAB_PARAMS.contains(&key) => {
                f.tab = Some(
                    D::TABS
                        .iter()
                        .copied()
                        .find(|t| t.key() == v)
                        .ok_or_else(|| {
                            ParamError::new(
                                key,
                                format!("Situação desconhecida. Use {}.", keys(D::TABS)),
                            )
                        })?,
                );
            }
            _ => {
                return Err(ParamError::new(
                    key,
                    format!("Parâmetro desconhecido: {key}."),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DEFAULT_PER_PAGE, PageRequest};
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Tab {
        Open,
        Late,
    }

    impl Choice for Tab {
        fn key(self) -> &'static str {
            match self {
                Tab::Open => "aberta",
                Tab::Late => "atrasada",
            }
        }
        fn label(self) -> &'static str {
            match self {
                Tab::Open => "Aberta",
                Tab::Late => "Atrasada",
            }
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Sort {
        Name,
        Points,
    }

    impl Choice for Sort {
        fn key(self) -> &'static str {
            match self {
                Sort::Name => "nome",
                Sort::Points => "pontos",
            }
        }
        fn label(self) -> &'static str {
            self.key()
        }
    }

    #[derive(Debug)]
    struct Def;

    impl ListDef for Def {
        type Tab = Tab;
        type Sort = Sort;
        type Practice = &'static str;
        const PATH: &'static str = "/lista";
        const TAB_PARAMS: &'static [&'static str] = &["situacao", "antigo"];
        const TABS: &'static [Tab] = &[Tab::Open, Tab::Late];
        const SORTS: &'static [Sort] = &[Sort::Name, Sort::Points];
        const DEFAULT_SORT: Sort = Sort::Name;
        const PRACTICES: &'static [&'static str] = &["A", "B", "C"];
    }

    type Q = Query<Def>;

    fn err(raw: &str) -> ParamError {
        match Q::parse(raw) {
            Ok(q) => panic!("{raw} accepted: {q:?}"),
            Err(e) => e,
        }
    }

    fn ok(raw: &str) -> Q {
        match Q::parse(raw) {
            Ok(q) => q,
            Err(e) => panic!("{raw} refused: {e}"),
        }
    }

    #[test]
    fn pages_from_one_to_the_maximum() {
        assert_eq!(ok("").page, PageRequest::default());
        assert_eq!(ok("page=1").page.page, 1);
        assert_eq!(ok(&format!("page={MAX_PAGE}")).page.page, MAX_PAGE);
        let message = "O número da página deve ser um número inteiro a partir de 1.";
        for bad in [
            "page=0".to_string(),
            "page=-1".into(),
            "page=abc".into(),
            "page=1.5".into(),
            format!("page={}", MAX_PAGE + 1),
            "page=99999999999999999999".into(),
        ] {
            assert_eq!(err(&bad), ParamError::new("page", message), "{bad}");
        }
    }

    #[test]
    fn page_sizes_are_the_choices_on_pages_and_a_range_on_the_api() {
        for n in PER_PAGE_CHOICES {
            assert_eq!(ok(&format!("per_page={n}")).page.per_page, n);
        }
        let e = err("per_page=5");
        assert_eq!(e.field, "per_page");
        assert_eq!(
            e.message,
            "Quantidade por página inválida. Use 10, 25, 50 ou 100."
        );
        assert_eq!(err("per_page=0").field, "per_page");
        assert_eq!(err("per_page=100000").field, "per_page");
        let mut q = Q::default();
        assert_eq!(q.set("per_page", "5", PerPage::UpTo(100)), Ok(()));
        assert_eq!(q.page.per_page, 5);
        assert_eq!(q.set("per_page", "100", PerPage::UpTo(100)), Ok(()));
        let e = q.set("per_page", "101", PerPage::UpTo(100)).err();
        assert_eq!(
            e.map(|e| e.message),
            Some("Quantidade por página inválida. Use de 1 a 100.".to_string())
        );
        assert_eq!(q.page.per_page, 100, "a refused value changes nothing");
        assert_eq!(
            q.set("per_page", "0", PerPage::UpTo(100))
                .map_err(|e| e.field),
            Err("per_page".to_string())
        );
    }

    #[test]
    fn unknown_parameters_are_refused_by_name() {
        assert_eq!(
            err("cor=azul"),
            ParamError::new("cor", "Parâmetro desconhecido: cor.")
        );
        // An empty value is "no filter", whatever the name.
        assert_eq!(ok("cor=&equipe=&busca=&page="), Q::default());
    }

    #[test]
    fn search_up_to_its_limit() {
        let longest = "a".repeat(MAX_SEARCH_CHARS);
        assert_eq!(
            ok(&format!("busca={longest}"))
                .filters
                .search
                .map(|s| s.raw.chars().count()),
            Some(MAX_SEARCH_CHARS)
        );
        let e = err(&format!("busca={longest}a"));
        assert_eq!(e.field, "busca");
        assert_eq!(
            e.message,
            format!(
                "A busca aceita no máximo {MAX_SEARCH_CHARS} caracteres. Digite parte do nome, o CNS ou o CPF."
            )
        );
        assert_eq!(
            err("busca=%25%25").message,
            "A busca precisa de letras ou números: digite parte do nome, o CNS ou o CPF."
        );
        // Quotes inside a name are fine: D'Ávila.
        assert!(Q::parse("busca=D%27%C3%81vila").is_ok());
    }

    #[test]
    fn tabs_sorts_and_practices_come_from_the_definition() {
        assert_eq!(ok("situacao=atrasada").filters.tab, Some(Tab::Late));
        assert_eq!(ok("antigo=aberta").filters.tab, Some(Tab::Open));
        assert_eq!(
            err("situacao=talvez"),
            ParamError::new("situacao", "Situação desconhecida. Use aberta ou atrasada.")
        );
        assert_eq!(ok("ordem=pontos").page.sort, Sort::Points);
        assert_eq!(
            err("ordem=x"),
            ParamError::new("ordem", "Ordenação desconhecida.")
        );
        assert_eq!(ok("pratica=b").filters.missing, Some("B"));
        assert_eq!(
            err("pratica=D"),
            ParamError::new("pratica", "Boa prática desconhecida. Use A, B ou C.")
        );
    }

    #[test]
    fn team_and_micro_area() {
        let q = ok("equipe=0000000001&microarea=03A");
        assert_eq!(q.filters.team.as_deref(), Some("0000000001"));
        assert_eq!(q.filters.micro_area.as_deref(), Some("03A"));
        assert_eq!(
            ok(&format!("equipe={}", "9".repeat(20)))
                .filters
                .team
                .map(|t| t.len()),
            Some(20)
        );
        assert_eq!(
            err(&format!("equipe={}", "9".repeat(21))).message,
            "A equipe informada não é válida: use o código INE (só números)."
        );
        assert_eq!(err("equipe=abc").field, "equipe");
        assert_eq!(
            ok("microarea=ABCDE12345")
                .filters
                .micro_area
                .map(|m| m.len()),
            Some(10)
        );
        assert_eq!(
            err("microarea=ABCDE123456"),
            ParamError::new("microarea", "A microárea informada não é válida.")
        );
        assert_eq!(err("microarea=%27%3B--").field, "microarea");
    }

    #[test]
    fn the_query_string_round_trips_without_defaults() {
        let q = ok(
            "equipe=0000000001&microarea=03&busca=Jos%C3%A9&antigo=atrasada&pratica=c&ordem=pontos&page=2&per_page=50",
        );
        assert_eq!(
            q.to_query(),
            "equipe=0000000001&microarea=03&busca=Jos%C3%A9&situacao=atrasada&pratica=C&ordem=pontos&per_page=50&page=2"
        );
        assert_eq!(ok(&q.to_query()), q);
        assert_eq!(Q::default().to_query(), "");
        assert_eq!(Q::default().href(), "/lista");
        let export = q.for_export();
        assert_eq!(
            (export.page.page, export.page.per_page),
            (1, DEFAULT_PER_PAGE)
        );
        let cleared = q.without_filters();
        assert_eq!(cleared.href(), "/lista?equipe=0000000001");
        assert_eq!(q.with_tab(None).page.page, 1);
    }
}
