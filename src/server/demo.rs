//! `seed-demo`: a realistic demo firm (tax advisors) with a team and ~30 clients in every
//! state, so the product can be shown and explored right after `make run DEMO=1`.

use super::db::{now_ms, Db};
use crate::clients::{repo as clients, ClientStatus};
use crate::orgs::{Plan, Role};

pub const DEMO_OWNER_EMAIL: &str = "inhaberin@kanzlei-muster.de";
pub const DEMO_PASSWORD: &str = "demo-passwort-2026";

const CLIENTS: &[(&str, &str, &str, ClientStatus)] = &[
    (
        "Müller & Partner",
        "Müller & Partner Steuerberatung",
        "kontakt@mueller-partner.de",
        ClientStatus::Teilweise,
    ),
    (
        "Schmidt AG",
        "Schmidt AG",
        "buchhaltung@schmidt-ag.de",
        ClientStatus::Offen,
    ),
    (
        "Schultech",
        "Schultech GmbH",
        "info@schultech.de",
        ClientStatus::Vollstaendig,
    ),
    (
        "Weber, Anna",
        "",
        "anna.weber@gmail.com",
        ClientStatus::Teilweise,
    ),
    (
        "Fischer, Thomas",
        "Fischer Elektrotechnik",
        "t.fischer@fischer-elektro.de",
        ClientStatus::Offen,
    ),
    (
        "Becker Bau GmbH",
        "Becker Bau GmbH",
        "office@becker-bau.de",
        ClientStatus::Vollstaendig,
    ),
    (
        "Hoffmann, Lena",
        "",
        "lena.hoffmann@web.de",
        ClientStatus::Offen,
    ),
    (
        "Schäfer Logistik",
        "Schäfer Logistik KG",
        "finanzen@schaefer-logistik.de",
        ClientStatus::Teilweise,
    ),
    (
        "Koch, Markus",
        "Praxis Dr. Koch",
        "praxis@dr-koch.de",
        ClientStatus::Vollstaendig,
    ),
    (
        "Bauer Gartenbau",
        "Bauer Gartenbau e.K.",
        "bauer@gartenbau-bauer.de",
        ClientStatus::Offen,
    ),
    (
        "Richter, Sophie",
        "",
        "sophie.richter@gmail.com",
        ClientStatus::Teilweise,
    ),
    (
        "Klein & Söhne",
        "Klein & Söhne OHG",
        "info@klein-soehne.de",
        ClientStatus::Offen,
    ),
    (
        "Wolf, Jonas",
        "Wolf Design Studio",
        "hallo@wolf-design.de",
        ClientStatus::Vollstaendig,
    ),
    (
        "Neumann Immobilien",
        "Neumann Immobilien GmbH",
        "verwaltung@neumann-immo.de",
        ClientStatus::Teilweise,
    ),
    (
        "Schwarz, Julia",
        "",
        "julia.schwarz@t-online.de",
        ClientStatus::Offen,
    ),
    (
        "Zimmermann Metallbau",
        "Zimmermann Metallbau GmbH",
        "buero@zimmermann-metall.de",
        ClientStatus::Teilweise,
    ),
    (
        "Braun, Felix",
        "Braun IT-Beratung",
        "felix@braun-it.de",
        ClientStatus::Offen,
    ),
    (
        "Krüger Apotheke",
        "Krüger Apotheke am Markt",
        "apotheke@krueger-markt.de",
        ClientStatus::Vollstaendig,
    ),
    (
        "Hofmann, Emma",
        "",
        "emma.hofmann@gmx.de",
        ClientStatus::Teilweise,
    ),
    (
        "Hartmann Consulting",
        "Hartmann Consulting GmbH",
        "office@hartmann-consulting.de",
        ClientStatus::Offen,
    ),
    (
        "Lange, Paul",
        "Café Lange",
        "cafe@lange-kaffee.de",
        ClientStatus::Teilweise,
    ),
    (
        "Schmitt Events",
        "Schmitt Events UG",
        "team@schmitt-events.de",
        ClientStatus::Offen,
    ),
    (
        "Werner, Mia",
        "",
        "mia.werner@outlook.de",
        ClientStatus::Vollstaendig,
    ),
    (
        "Krause Transporte",
        "Krause Transporte GmbH",
        "dispo@krause-transporte.de",
        ClientStatus::Teilweise,
    ),
    (
        "Meier, Lukas",
        "Zahnarztpraxis Meier",
        "praxis@zahnarzt-meier.de",
        ClientStatus::Offen,
    ),
    (
        "Lehmann Verlag",
        "Lehmann Verlag GmbH",
        "verlag@lehmann-verlag.de",
        ClientStatus::Vollstaendig,
    ),
    (
        "Schmid, Hannah",
        "",
        "hannah.schmid@gmail.com",
        ClientStatus::Offen,
    ),
    (
        "Schulz Handwerk",
        "Schulz Handwerk GmbH",
        "info@schulz-handwerk.de",
        ClientStatus::Teilweise,
    ),
    (
        "Maier, Leon",
        "Maier Fotografie",
        "leon@maier-foto.de",
        ClientStatus::Offen,
    ),
    (
        "Köhler Autohaus",
        "Autohaus Köhler GmbH",
        "service@autohaus-koehler.de",
        ClientStatus::Teilweise,
    ),
];

const TEAM: &[(&str, &str, Role)] = &[
    ("Ingrid Inhaberin", DEMO_OWNER_EMAIL, Role::Owner),
    ("Alex Admin", "admin@kanzlei-muster.de", Role::Admin),
    (
        "Mara Mitarbeiterin",
        "mitarbeiterin@kanzlei-muster.de",
        Role::Member,
    ),
    (
        "Lars Lesend",
        "lesezugriff@kanzlei-muster.de",
        Role::ReadOnly,
    ),
];

/// Seeds the demo firm. Refuses to touch a database that already has a firm.
pub async fn seed(db: &Db) -> Result<String, String> {
    let err = |e: sqlx::Error| e.to_string();
    if crate::auth::repo::any_org_exists(db).await.map_err(err)? {
        return Err(
            "the database already contains a firm; seed-demo only fills an empty database".into(),
        );
    }
    let hash = super::passwords::hash_password(DEMO_PASSWORD.into()).await?;
    let now = now_ms();
    let (org_id, owner_id) = crate::auth::repo::create_org_with_owner(
        db,
        &crate::auth::repo::NewOwner {
            org_name: "Kanzlei Muster & Partner",
            name: TEAM[0].0,
            email: TEAM[0].1,
            password_hash: &hash,
            plan: Plan::Team,
        },
        now,
    )
    .await
    .map_err(err)?;
    for (i, (name, email, role)) in TEAM.iter().enumerate().skip(1) {
        crate::auth::repo::insert_user(
            db,
            &super::db::new_id(),
            &org_id,
            email,
            name,
            &hash,
            *role,
            now + i as i64,
        )
        .await
        .map_err(err)?;
    }
    let hour = 3_600_000;
    for (i, (name, company, email, status)) in CLIENTS.iter().enumerate() {
        // Spread activity over the last weeks so the list order looks lived-in.
        let at = now - (i as i64) * 7 * hour - 20 * 60_000;
        let created = clients::create(
            db,
            &org_id,
            None,
            &clients::NewClient {
                name,
                email,
                company,
            },
            at,
        )
        .await
        .map_err(err)?;
        let clients::CreateOutcome::Created(id) = created else {
            return Err("plan limit reached while seeding".into());
        };
        clients::set_status(db, &org_id, &id, *status, at)
            .await
            .map_err(err)?;
        if i % 4 == 0 {
            clients::add_note(
                db,
                &org_id,
                &id,
                &owner_id,
                TEAM[0].0,
                "Belege für das Jahr 2025 telefonisch angekündigt.",
                at,
            )
            .await
            .map_err(err)?;
        }
        let actor = crate::audit::repo::Actor {
            user_id: Some(owner_id.clone()),
            name: TEAM[0].0.into(),
            ..Default::default()
        };
        crate::audit::repo::record(
            db,
            &org_id,
            &actor,
            Some(&id),
            crate::audit::action::CLIENT_CREATED,
            "",
        )
        .await
        .map_err(err)?;
    }
    Ok(format!(
        "Demo firm \"Kanzlei Muster & Partner\" created with {} clients.\n\
         Log in as {DEMO_OWNER_EMAIL} (owner), admin@…, mitarbeiterin@… or lesezugriff@kanzlei-muster.de\n\
         Password for all demo accounts: {DEMO_PASSWORD}",
        CLIENTS.len()
    ))
}
