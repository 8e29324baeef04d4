//! Detection tests on hand-written workflows: one or more per tool and credential shape, the
//! levels env can sit at, refusals, other services, and YAML shapes (CRLF, BOM, tabs, anchors,
//! flow style).

use std::path::Path;

use super::{FileVerdict, detect, summary};
use crate::workflow::model::{CredentialPlace, Detection, Index, Level, Refusal, Tool, Verdict};
use crate::workflow::read::{FileKind, parse};

fn run(text: &str) -> Vec<Detection> {
    run_kind(text, FileKind::Workflow)
}

fn run_kind(text: &str, kind: FileKind) -> Vec<Detection> {
    match parse(
        Path::new(".github/workflows/release.yml"),
        kind,
        text.to_string(),
    ) {
        Ok(w) => detect(&w),
        Err(e) => panic!("{e}"),
    }
}

/// The PyPI detections (not other services).
fn pypi(text: &str) -> Vec<Detection> {
    run(text)
        .into_iter()
        .filter(|d| d.verdict != Verdict::OtherService)
        .collect()
}

fn one(text: &str) -> Detection {
    let found = pypi(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.into_iter().next().unwrap_or_else(|| unreachable!())
}

fn places(d: &Detection) -> Vec<String> {
    d.credentials
        .iter()
        .map(|c| match &c.place {
            CredentialPlace::Env { level, key } => format!("env:{level:?}:{key}"),
            CredentialPlace::With { key } => format!("with:{key}"),
            CredentialPlace::Argument { text } => format!("arg:{text}"),
            CredentialPlace::ConfigCommand { text } => format!("config:{text}"),
        })
        .collect()
}

fn job(steps: &str) -> String {
    format!(
        "on:\n  release:\n    types: [published]\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"
    )
}

#[test]
fn twine_env_on_the_step() {
    let text = job(
        "      - run: twine upload dist/*\n        env:\n          TWINE_USERNAME: __token__\n          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n",
    );
    let d = one(&text);
    assert_eq!(d.tool, Tool::Twine);
    assert_eq!(d.index, Index::Pypi);
    assert_eq!(d.verdict, Verdict::Migrate);
    assert_eq!(
        places(&d),
        ["env:Step:TWINE_PASSWORD", "env:Step:TWINE_USERNAME"]
    );
    let c = &d.credentials[0];
    assert_eq!(c.secret.as_deref(), Some("PYPI_TOKEN"));
    assert_eq!(
        &text[c.span.start..c.span.end],
        "TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}"
    );
    assert_eq!(c.span.line, 11);
    assert_eq!(summary(&run(&text)), FileVerdict::Migrate);
}

#[test]
fn twine_launchers_and_arguments() {
    for launcher in [
        "twine",
        "python -m twine",
        "python3 -m twine",
        "pipx run twine",
        "uvx twine==6.1.0",
        "uv run twine",
        "/usr/bin/twine",
    ] {
        let text = job(&format!(
            "      - run: |\n          pip install build\n          {launcher} upload \\\n            -u __token__ -p \"${{{{ secrets.PYPI }}}}\" dist/* && echo done\n"
        ));
        let d = one(&text);
        assert_eq!(d.tool, Tool::Twine, "{launcher}");
        assert_eq!(
            places(&d),
            ["arg:-p \"${{ secrets.PYPI }}\"", "arg:-u __token__"],
            "{launcher}"
        );
        assert_eq!(d.credentials[0].secret.as_deref(), Some("PYPI"));
        let c = &d.credentials[0];
        assert_eq!(
            &text[c.span.start..c.span.end],
            "-p \"${{ secrets.PYPI }}\""
        );
    }
}

#[test]
fn twine_argument_from_env_variable_and_testpypi() {
    let text = job(
        "      - run: twine upload --repository testpypi -p $TOKEN dist/*\n        env:\n          TOKEN: ${{ secrets.TEST_PYPI_TOKEN }}\n",
    );
    let d = one(&text);
    assert_eq!(d.index, Index::TestPypi);
    assert_eq!(places(&d), ["arg:-p $TOKEN", "env:Step:TOKEN"]);
    let url = job(
        "      - run: twine upload dist/*\n        env:\n          TWINE_PASSWORD: ${{ secrets.T }}\n          TWINE_REPOSITORY_URL: https://test.pypi.org/legacy/\n",
    );
    assert_eq!(one(&url).index, Index::TestPypi);
    let other = job(
        "      - run: twine upload --repository-url https://pkgs.example.com/simple dist/*\n        env:\n          TWINE_PASSWORD: ${{ secrets.T }}\n",
    );
    assert_eq!(run(&other)[0].verdict, Verdict::OtherService);
    assert_eq!(summary(&run(&other)), FileVerdict::Untouched);
}

#[test]
fn not_a_publish() {
    for script in [
        "pip install twine",
        "twine check dist/*",
        "echo \"twine upload\"",
        "# twine upload dist/*",
        "uv build",
        "poetry build",
        // Dry runs upload nothing.
        "poetry publish -r test-pypi --dry-run",
        "uv publish --dry-run dist/*",
    ] {
        let text = job(&format!("      - run: {script}\n"));
        assert!(pypi(&text).is_empty(), "{script}");
    }
}

#[test]
fn pypa_action_any_ref() {
    for r in [
        "master",
        "release/v1",
        "v1.8.14",
        "76f52bc884231f62b9a034ebfe128415bbaabdfc",
    ] {
        let text = job(&format!(
            "      - uses: pypa/gh-action-pypi-publish@{r}\n        with:\n          user: __token__\n          password: ${{{{ secrets.pypi_password }}}}\n"
        ));
        let d = one(&text);
        assert_eq!(d.tool, Tool::PypaAction);
        assert_eq!(places(&d), ["with:password", "with:user"]);
        assert_eq!(d.credentials[0].secret.as_deref(), Some("pypi_password"));
    }
    let test = job(
        "      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          password: ${{ secrets.T }}\n          repository_url: https://test.pypi.org/legacy/\n",
    );
    assert_eq!(one(&test).index, Index::TestPypi);
    let jazz = job(
        "      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          password: ${{ secrets.JAZZBAND }}\n          repository-url: https://jazzband.co/projects/x/upload\n",
    );
    let d = &run(&jazz)[0];
    assert_eq!(d.verdict, Verdict::OtherService);
    assert!(matches!(d.index, Index::Other(_)));
}

#[test]
fn trusted_needs_id_token_and_no_credential() {
    let trusted = "on: push\njobs:\n  publish:\n    permissions:\n      id-token: write\n    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n";
    assert_eq!(one(trusted).verdict, Verdict::AlreadyTrusted);
    assert_eq!(summary(&run(trusted)), FileVerdict::NothingToDo);
    let workflow_level = "on: push\npermissions:\n  id-token: write\njobs:\n  publish:\n    steps:\n      - run: uv publish\n";
    assert_eq!(one(workflow_level).verdict, Verdict::AlreadyTrusted);
    // Job permissions replace the workflow's.
    let narrowed = "on: push\npermissions:\n  id-token: write\njobs:\n  publish:\n    permissions:\n      contents: read\n    steps:\n      - run: uv publish\n";
    let d = one(narrowed);
    assert_eq!(d.verdict, Verdict::Migrate);
    assert!(d.credentials.is_empty());
    // zizmor#1848: id-token: write proves nothing while a token is still handed over.
    let both = "on: push\njobs:\n  publish:\n    permissions:\n      id-token: write\n    steps:\n      - run: uv publish\n        env:\n          UV_PUBLISH_TOKEN: ${{ secrets.PYPI }}\n";
    assert_eq!(one(both).verdict, Verdict::Migrate);
    // Without id-token: write, a credential-less upload needs it added.
    let bare = job("      - run: pdm publish\n");
    assert_eq!(one(&bare).verdict, Verdict::Migrate);
}

#[test]
fn hand_rolled_mint_is_trusted() {
    let text = "on: push\njobs:\n  publish:\n    permissions:\n      id-token: write\n    steps:\n      - id: mint\n        run: |\n          tok=$(curl -H \"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN\" \"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=pypi\")\n          curl -X POST https://pypi.org/_/oidc/mint-token -d \"$tok\"\n      - run: twine upload dist/*\n        env:\n          TWINE_USERNAME: __token__\n          TWINE_PASSWORD: ${{ steps.mint.outputs.api-token }}\n";
    let d = one(text);
    assert_eq!(d.verdict, Verdict::AlreadyTrusted);
    assert!(d.credentials.is_empty());
}

#[test]
fn poetry_shapes() {
    let env = job(
        "      - run: poetry publish --build\n        env:\n          POETRY_PYPI_TOKEN_PYPI: ${{ secrets.PYPI }}\n",
    );
    assert_eq!(places(&one(&env)), ["env:Step:POETRY_PYPI_TOKEN_PYPI"]);
    let basic = job(
        "      - run: poetry publish\n        env:\n          POETRY_HTTP_BASIC_PYPI_USERNAME: ${{ secrets.U }}\n          POETRY_HTTP_BASIC_PYPI_PASSWORD: ${{ secrets.P }}\n",
    );
    assert_eq!(
        places(&one(&basic)),
        [
            "env:Step:POETRY_HTTP_BASIC_PYPI_PASSWORD",
            "env:Step:POETRY_HTTP_BASIC_PYPI_USERNAME"
        ]
    );
    let config = job(
        "      - run: poetry config pypi-token.pypi ${{ secrets.PYPI }}\n      - run: poetry publish\n",
    );
    let found = pypi(&config);
    assert_eq!(found.len(), 2);
    assert_eq!(
        places(&found[0]),
        ["config:poetry config pypi-token.pypi ${{ secrets.PYPI }}"]
    );
    assert_eq!(found[0].credentials[0].secret.as_deref(), Some("PYPI"));
    let args = job(
        "      - run: poetry publish -u __token__ -p \"$PYPI_TOKEN\"\n        env:\n          PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}\n",
    );
    assert_eq!(
        places(&one(&args)),
        [
            "arg:-p \"$PYPI_TOKEN\"",
            "env:Step:PYPI_TOKEN",
            "arg:-u __token__"
        ]
    );
    let test = job(
        "      - run: |\n          poetry config repositories.test-pypi https://test.pypi.org/legacy/\n          poetry config pypi-token.test-pypi ${{ secrets.TEST }}\n          poetry publish -r test-pypi\n",
    );
    let d = one(&test);
    assert_eq!(d.index, Index::TestPypi);
    assert_eq!(
        places(&d),
        ["config:poetry config pypi-token.test-pypi ${{ secrets.TEST }}"]
    );
}

#[test]
fn flit_hatch_pdm_uv() {
    let flit = job(
        "      - run: flit publish\n        env:\n          FLIT_USERNAME: __token__\n          FLIT_PASSWORD: ${{ secrets.PYPI }}\n          FLIT_INDEX_URL: https://test.pypi.org/legacy/\n",
    );
    let d = one(&flit);
    assert_eq!(
        (d.tool.clone(), d.index.clone()),
        (Tool::Flit, Index::TestPypi)
    );
    assert_eq!(
        places(&d),
        ["env:Step:FLIT_PASSWORD", "env:Step:FLIT_USERNAME"]
    );
    let hatch = job(
        "      - run: hatch publish\n        env:\n          HATCH_INDEX_USER: __token__\n          HATCH_INDEX_AUTH: ${{ secrets.PYPI }}\n",
    );
    let d = one(&hatch);
    assert_eq!(d.tool, Tool::Hatch);
    assert_eq!(
        places(&d),
        ["env:Step:HATCH_INDEX_AUTH", "env:Step:HATCH_INDEX_USER"]
    );
    let pdm = job("      - run: pdm publish --username __token__ --password ${{ secrets.PYPI }}\n");
    let d = one(&pdm);
    assert_eq!(d.tool, Tool::Pdm);
    assert_eq!(
        places(&d),
        [
            "arg:--password ${{ secrets.PYPI }}",
            "arg:--username __token__"
        ]
    );
    let pdm_env = job(
        "      - run: pdm publish\n        env:\n          PDM_PUBLISH_USERNAME: __token__\n          PDM_PUBLISH_PASSWORD: ${{ secrets.PYPI }}\n",
    );
    assert_eq!(one(&pdm_env).credentials.len(), 2);
    for flag in ["-t", "--token", "-p"] {
        let uv = job(&format!(
            "      - run: uv publish {flag} ${{{{ secrets.PYPI }}}}\n"
        ));
        let d = one(&uv);
        assert_eq!(d.tool, Tool::Uv);
        assert_eq!(places(&d), [format!("arg:{flag} ${{{{ secrets.PYPI }}}}")]);
    }
    let eq = job(
        "      - run: uv publish --token=${{ secrets.PYPI }} --publish-url https://test.pypi.org/legacy/\n",
    );
    let d = one(&eq);
    assert_eq!(places(&d), ["arg:--token=${{ secrets.PYPI }}"]);
    assert_eq!(d.index, Index::TestPypi);
    let uv_env = job(
        "      - run: uv publish\n        env:\n          UV_PUBLISH_TOKEN: ${{ secrets.PYPI }}\n",
    );
    assert_eq!(places(&one(&uv_env)), ["env:Step:UV_PUBLISH_TOKEN"]);
}

#[test]
fn maturin_cli_and_action() {
    let cli = job(
        "      - run: maturin upload --skip-existing -u __token__ wheels/*\n        env:\n          MATURIN_PYPI_TOKEN: ${{ secrets.PYPI }}\n",
    );
    let d = one(&cli);
    assert_eq!(d.tool, Tool::Maturin);
    assert_eq!(
        places(&d),
        ["env:Step:MATURIN_PYPI_TOKEN", "arg:-u __token__"]
    );
    for action in ["PyO3/maturin-action@v1", "messense/maturin-action@v1"] {
        let text = job(&format!(
            "      - uses: {action}\n        env:\n          MATURIN_PASSWORD: ${{{{ secrets.PYPI }}}}\n        with:\n          command: publish\n          args: -u ritchie46 --repository-url https://test.pypi.org/legacy/\n"
        ));
        let d = one(&text);
        assert_eq!(d.tool, Tool::Maturin);
        assert_eq!(d.index, Index::TestPypi);
        assert_eq!(
            places(&d),
            ["env:Step:MATURIN_PASSWORD", "arg:-u ritchie46"]
        );
    }
    let build =
        job("      - uses: PyO3/maturin-action@v1\n        with:\n          command: build\n");
    assert!(pypi(&build).is_empty());
}

#[test]
fn setup_py_upload() {
    let text = job(
        "      - run: |\n          echo \"[pypi]\" > ~/.pypirc\n          echo \"password = ${{ secrets.PYPI_PASSWORD }}\" >> ~/.pypirc\n          python setup.py sdist bdist_wheel upload\n",
    );
    let d = one(&text);
    assert_eq!(d.tool, Tool::SetupPy);
    assert_eq!(
        places(&d),
        ["config:echo \"password = ${{ secrets.PYPI_PASSWORD }}\" >> ~/.pypirc"]
    );
    let env = job(
        "      - run: python setup.py sdist upload -r pypi\n        env:\n          PYPI_PASSWORD: ${{ secrets.PYPI_PASSWORD }}\n",
    );
    assert_eq!(places(&one(&env)), ["env:Step:PYPI_PASSWORD"]);
}

#[test]
fn pypirc_written_from_a_secret() {
    let text = job(
        "      - run: |\n          cat <<EOF > ~/.pypirc\n          [pypi]\n          username = __token__\n          password = ${{ secrets.PYPI_TOKEN }}\n          EOF\n          twine upload dist/*\n",
    );
    let d = one(&text);
    assert_eq!(d.tool, Tool::Twine);
    assert_eq!(places(&d), ["config:password = ${{ secrets.PYPI_TOKEN }}"]);
    assert_eq!(d.credentials[0].secret.as_deref(), Some("PYPI_TOKEN"));
}

#[test]
fn scripts_receiving_credentials() {
    let script = job(
        "      - run: ./scripts/publish.sh\n        env:\n          PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}\n",
    );
    let d = one(&script);
    assert_eq!(d.tool, Tool::Script);
    assert_eq!(places(&d), ["env:Step:PYPI_TOKEN"]);
    let tox = "on: push\njobs:\n  publish:\n    env:\n      TWINE_PASSWORD: ${{ secrets.PYPI }}\n    steps:\n      - run: tox -e release\n";
    let d = one(tox);
    assert_eq!(d.tool, Tool::Twine);
    assert_eq!(places(&d), ["env:Job:TWINE_PASSWORD"]);
    let make = "on: push\nenv:\n  FLIT_PASSWORD: ${{ secrets.PYPI }}\njobs:\n  publish:\n    steps:\n      - run: make publish\n";
    let d = one(make);
    assert_eq!(d.tool, Tool::Flit);
    assert_eq!(places(&d), ["env:Workflow:FLIT_PASSWORD"]);
}

#[test]
fn workflow_and_job_level_credentials_of_a_tool() {
    let text = "on: push\nenv:\n  TWINE_USERNAME: __token__\njobs:\n  publish:\n    env:\n      TWINE_PASSWORD: ${{ secrets.PYPI }}\n    steps:\n      - run: twine upload dist/*\n";
    assert_eq!(
        places(&one(text)),
        ["env:Job:TWINE_PASSWORD", "env:Workflow:TWINE_USERNAME"]
    );
    let d = one(text);
    assert!(matches!(
        d.credentials[1].place,
        CredentialPlace::Env {
            level: Level::Workflow,
            ..
        }
    ));
}

#[test]
fn unused_job_credential_is_reported() {
    let text = "on: push\njobs:\n  publish:\n    env:\n      PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}\n    steps:\n      - run: twine check dist/*\n";
    let d = one(text);
    assert_eq!((d.tool.clone(), d.step), (Tool::Script, None));
    assert_eq!(places(&d), ["env:Job:PYPI_TOKEN"]);
}

#[test]
fn third_party_actions_and_reusable_calls() {
    let action = job(
        "      - uses: JRubics/poetry-publish@v1.17\n        with:\n          pypi_token: ${{ secrets.PYPI_TOKEN }}\n",
    );
    let d = one(&action);
    assert_eq!(d.tool, Tool::Other("JRubics/poetry-publish".into()));
    assert_eq!(places(&d), ["with:pypi_token"]);
    let call = "on: push\njobs:\n  publish:\n    uses: org/workflows/.github/workflows/publish.yml@v1\n    secrets:\n      pypi_token: ${{ secrets.pypi_token }}\n      anaconda_token: ${{ secrets.anaconda_token }}\n";
    let all = run(call);
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[0].verdict, Verdict::Refuse(Refusal::ReusableWorkflow));
    assert_eq!(all[1].verdict, Verdict::OtherService);
    assert_eq!(all[1].index, Index::Other("Anaconda".into()));
    assert_eq!(summary(&all), FileVerdict::Refused);
    // `secrets: inherit` is not PyPI publishing.
    let inherit = "on: push\njobs:\n  build:\n    uses: ./.github/workflows/build.yml\n    secrets: inherit\n";
    assert!(pypi(inherit).is_empty());
    assert_eq!(summary(&run(inherit)), FileVerdict::Untouched);
}

#[test]
fn composite_action() {
    let text = "name: publish\ninputs:\n  token:\n    required: true\nruns:\n  using: composite\n  steps:\n    - run: twine upload dist/*\n      shell: bash\n      env:\n        TWINE_PASSWORD: ${{ inputs.token }}\n";
    let found = run_kind(text, FileKind::CompositeAction);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].job, "");
    assert_eq!(found[0].verdict, Verdict::Migrate);
    let trusted = "runs:\n  using: composite\n  steps:\n    - run: uv publish\n      shell: bash\n";
    assert_eq!(
        run_kind(trusted, FileKind::CompositeAction)[0].verdict,
        Verdict::AlreadyTrusted
    );
}

#[test]
fn refusals() {
    let steps = "jobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          password: ${{ secrets.PYPI }}\n";
    for (on, refusal) in [
        ("on:\n  workflow_call:\n", Some(Refusal::ReusableWorkflow)),
        (
            "on: [push, workflow_call]\n",
            Some(Refusal::ReusableWorkflow),
        ),
        (
            "on: pull_request_target\n",
            Some(Refusal::PullRequestTarget),
        ),
        (
            "on:\n  issue_comment:\n    types: [created]\n",
            Some(Refusal::ForkTriggered {
                event: "issue_comment".into(),
            }),
        ),
        ("on: pull_request\n", None),
        ("on: push\n", None),
    ] {
        let d = one(&format!("{on}{steps}"));
        match refusal {
            Some(r) => assert_eq!(d.verdict, Verdict::Refuse(r), "{on}"),
            None => assert_eq!(d.verdict, Verdict::Migrate, "{on}"),
        }
    }
    // Already trusted in a reusable workflow: nothing to refuse.
    let trusted = "on: workflow_call\njobs:\n  p:\n    permissions:\n      id-token: write\n    steps:\n      - run: uv publish\n";
    assert_eq!(one(trusted).verdict, Verdict::AlreadyTrusted);
}

#[test]
fn other_services_are_untouched() {
    let text = job(
        "      - uses: docker/login-action@v3\n        with:\n          username: me\n          password: ${{ secrets.DOCKERHUB_TOKEN }}\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n      - run: cargo publish\n        env:\n          CARGO_REGISTRY_TOKEN: ${{ steps.auth.outputs.token }}\n      - run: anaconda upload x.tar.bz2\n        env:\n          ANACONDA_API_TOKEN: ${{ secrets.ANACONDA }}\n      - uses: codecov/codecov-action@v5\n        with:\n          token: ${{ secrets.CODECOV_TOKEN }}\n      - uses: actions/checkout@v4\n        with:\n          token: ${{ secrets.PAT }}\n",
    );
    let all = run(&text);
    let services: Vec<_> = all.iter().map(|d| d.index.clone()).collect();
    assert_eq!(
        services,
        [
            "Docker registry",
            "npm",
            "crates.io",
            "Anaconda",
            "Codecov",
            "GitHub"
        ]
        .map(|s| Index::Other(s.into()))
    );
    assert!(all.iter().all(|d| d.verdict == Verdict::OtherService));
    assert_eq!(summary(&all), FileVerdict::Untouched);
    let mixed = job(
        "      - run: twine upload dist/*\n        env:\n          TWINE_PASSWORD: ${{ secrets.PYPI }}\n          GH_TOKEN: ${{ github.token }}\n",
    );
    let all = run(&mixed);
    assert_eq!(all.len(), 2);
    assert_eq!(places(&all[0]), ["env:Step:TWINE_PASSWORD"]);
    assert_eq!(places(&all[1]), ["env:Step:GH_TOKEN"]);
    assert_eq!(summary(&all), FileVerdict::Mixed);
}

#[test]
fn yaml_shapes_crlf_bom_tabs_anchors_flow() {
    let crlf = job("      - run: twine upload dist/*\n        env:\n          TWINE_PASSWORD: ${{ secrets.P }}\n").replace('\n', "\r\n");
    let d = one(&crlf);
    assert_eq!(places(&d), ["env:Step:TWINE_PASSWORD"]);
    let c = &d.credentials[0];
    assert_eq!(
        &crlf[c.span.start..c.span.end],
        "TWINE_PASSWORD: ${{ secrets.P }}"
    );
    let bom = format!(
        "\u{feff}{}",
        job("      - run: uv publish -t ${{ secrets.P }}\n")
    );
    let d = one(&bom);
    let c = &d.credentials[0];
    assert_eq!(&bom[c.span.start..c.span.end], "-t ${{ secrets.P }}");
    let tabs = job("      - run: \"twine upload\\t-p\\t${{ secrets.P }}\\tdist/*\"\n");
    assert_eq!(places(&one(&tabs)), ["arg:-p\t${{ secrets.P }}"]);
    let anchors = "on: push\nx-creds: &creds\n  TWINE_PASSWORD: ${{ secrets.P }}\njobs:\n  a:\n    steps:\n      - run: twine upload dist/*\n        env: *creds\n  b:\n    steps:\n      - run: twine upload dist/*\n        env:\n          <<: *creds\n          TWINE_USERNAME: __token__\n";
    let found = pypi(anchors);
    assert_eq!(found.len(), 2);
    assert_eq!(places(&found[0]), ["env:Step:TWINE_PASSWORD"]);
    assert_eq!(
        places(&found[1]),
        ["env:Step:TWINE_PASSWORD", "env:Step:TWINE_USERNAME"]
    );
    let flow = "on: {push: {tags: ['v*']}}\njobs: {publish: {steps: [{uses: pypa/gh-action-pypi-publish@release/v1, with: {password: '${{ secrets.P }}'}}]}}\n";
    assert_eq!(places(&one(flow)), ["with:password"]);
}

#[test]
fn summary_rules() {
    let d = |verdict| Detection {
        file: "w.yml".into(),
        job: "j".into(),
        step: None,
        tool: Tool::Twine,
        index: Index::Pypi,
        credentials: Vec::new(),
        verdict,
        span: crate::workflow::model::Span {
            start: 0,
            end: 0,
            line: 1,
            column: 1,
        },
    };
    assert_eq!(summary(&[]), FileVerdict::NothingToDo);
    assert_eq!(
        summary(&[d(Verdict::AlreadyTrusted), d(Verdict::OtherService)]),
        FileVerdict::NothingToDo
    );
    assert_eq!(summary(&[d(Verdict::OtherService)]), FileVerdict::Untouched);
    assert_eq!(summary(&[d(Verdict::Migrate)]), FileVerdict::Migrate);
    assert_eq!(
        summary(&[d(Verdict::Migrate), d(Verdict::OtherService)]),
        FileVerdict::Mixed
    );
    assert_eq!(
        summary(&[
            d(Verdict::Migrate),
            d(Verdict::Refuse(Refusal::PullRequestTarget))
        ]),
        FileVerdict::Refused
    );
}
