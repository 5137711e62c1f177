#!/usr/bin/env python3
"""Check the Knitfab Plans in plans/ before `knit plan apply` does.

    python3 tests/plans/test_plans.py            # Plans, graph, Dockerfiles
    python3 tests/plans/test_plans.py --images   # also the built images
                                                 # (docker image inspect)

Three groups of checks:

1. Each Plan against the rules Knitfab's server enforces, and against the
   mistakes it does not catch: unknown keys are dropped silently (`logs:`,
   `resouces:` -- the latter is what some `knit plan template` versions
   write), so a misspelled key is an error here.
2. The dependency graph Knitfab derives from tags: an output (the log
   included) feeds an input when the output's tags include every tag of the
   input. The walkthrough's pipeline must come out of it.
3. Each Plan against its image: entrypoint and args equal the image's
   ENTRYPOINT and CMD, every path in args is a declared mount, and
   `knit plan template`'s rule (an argument with a path component `in` is an
   input, `out` an output) yields exactly the Plan's mounts.

Then every rule is shown to bite: for each one the test breaks a copy of a
good Plan in that one way and expects exactly that rule to report it.

Needs Python 3 and PyYAML (Debian: python3-yaml). Prints one line per check
and a final "N passed, M failed"; exits 1 on any failure.
"""

import copy
import json
import os
import posixpath
import re
import shlex
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLANS_DIR = os.path.join(ROOT, "plans")
DOCKERFILES_DIR = os.path.join(ROOT, "Dockerfiles")

REGISTRY = "localhost:30503"
STAGES = ("initial-train", "incremental-train", "validate")

# Keys of a PlanSpec (knitfab-api-types plans.PlanSpec and its parts).
PLAN_KEYS = {"annotations", "image", "entrypoint", "args", "inputs", "outputs",
             "log", "on_node", "resources", "service_account", "active"}
REQUIRED_KEYS = {"image", "inputs", "outputs"}
MOUNT_KEYS = {"path", "tags"}
LOG_KEYS = {"tags"}
ON_NODE_KEYS = {"may", "prefer", "must"}

SYSTEM_TAG_PREFIX = "knit#"

# Kubernetes resource.Quantity: <number><suffix>, suffix binary (Ki..Ei),
# decimal (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
QUANTITY = re.compile(
    r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$")

# Docker reference grammar (distribution/reference), enough for name:tag.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)" \
          r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
IMAGE_REF = re.compile(
    r"^(?:(?P<domain>%s)/)?(?P<name>%s(?:/%s)*):(?P<tag>[\w][\w.-]{0,127})$"
    % (_DOMAIN, _COMPONENT, _COMPONENT))


# ---------------------------------------------------------------------------
# Loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys, as Knitfab's YAML
    decoder (gopkg.in/yaml.v3) does; PyYAML would keep the last silently."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key %r" % (key,), key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_plan_text(text):
    return yaml.load(text, Loader=_UniqueKeyLoader)


def load_plans():
    plans = {}
    for stage in STAGES:
        path = os.path.join(PLANS_DIR, "spam-detection-%s.v1.0.yaml" % stage)
        with open(path, encoding="utf-8") as f:
            plans[stage] = load_plan_text(f.read())
    return plans


# ---------------------------------------------------------------------------
# 1. Rules for one Plan. Each check returns a list of (rule, message).


def parse_tag(tag):
    """Split "key:value" at the first ':' as Knitfab does (strings.Cut),
    trimming spaces. Returns (key, value) or None."""
    if not isinstance(tag, str) or ":" not in tag:
        return None
    key, value = tag.split(":", 1)
    key, value = key.strip(), value.strip()
    if not key:
        return None
    return key, value


def _check_tags(where, tags, system_ok, errors):
    if not isinstance(tags, list):
        errors.append(("tag-format", "%s: tags must be a list" % where))
        return
    for t in tags:
        kv = parse_tag(t)
        if kv is None:
            # `- project: spam-detection` (space after ':') is a YAML mapping,
            # not a "key:value" string.
            errors.append(("tag-format", "%s: tag %r is not a \"key:value\" string"
                           % (where, t)))
        elif not system_ok and kv[0].startswith(SYSTEM_TAG_PREFIX):
            errors.append(("system-tag", "%s: tag key %r is reserved (knit#...)"
                           % (where, kv[0])))


def _unknown_keys(where, obj, known, errors):
    if not isinstance(obj, dict):
        errors.append(("unknown-key", "%s must be a mapping" % where))
        return
    for k in obj:
        if k not in known:
            errors.append(("unknown-key", "%s: unknown key %r (Knitfab ignores it "
                           "silently; known: %s)" % (where, k, ", ".join(sorted(known)))))


def check_plan(plan):
    errors = []
    if not isinstance(plan, dict):
        return [("unknown-key", "Plan must be a mapping")]

    _unknown_keys("plan", plan, PLAN_KEYS, errors)
    for k in sorted(REQUIRED_KEYS - set(plan)):
        errors.append(("unknown-key", "plan: missing key %r" % k))

    image = plan.get("image")
    if not isinstance(image, str) or not IMAGE_REF.match(image):
        errors.append(("image", "image %r is not [registry/]name:tag" % (image,)))

    for key in ("entrypoint", "args"):
        v = plan.get(key)
        if v is not None and (not isinstance(v, list)
                              or not all(isinstance(s, str) for s in v)):
            errors.append(("command", "%s must be a list of strings" % key))

    inputs = plan.get("inputs") or []
    outputs = plan.get("outputs") or []
    if not isinstance(inputs, list) or not inputs:
        errors.append(("inputs", "at least one input is required"))
        inputs = inputs if isinstance(inputs, list) else []
    if not isinstance(outputs, list):
        errors.append(("unknown-key", "outputs must be a list"))
        outputs = []

    paths = []
    for kind, mounts, system_ok in (("input", inputs, True), ("output", outputs, False)):
        for i, m in enumerate(mounts):
            where = "%s[%d]" % (kind, i)
            _unknown_keys(where, m, MOUNT_KEYS, errors)
            if not isinstance(m, dict):
                continue
            tags = m.get("tags")
            if kind == "input" and not tags:
                errors.append(("input-tags", "%s: an input needs at least one tag" % where))
            if tags is not None:
                _check_tags(where, tags, system_ok, errors)
            p = m.get("path")
            paths.append((where, p))

    for where, p in paths:
        if not isinstance(p, str) or not p.startswith("/"):
            errors.append(("path", "%s: path %r is not absolute" % (where, p)))
        elif posixpath.normpath(p) != p or p.startswith("//"):
            errors.append(("path", "%s: path %r is not clean (%r)"
                           % (where, p, posixpath.normpath(p))))
    # Knitfab compares mount points as strings: /in/data and /in/dataset
    # overlap just as /in and /in/dataset do.
    for i, (wa, a) in enumerate(paths):
        for wb, b in paths[i + 1:]:
            if isinstance(a, str) and isinstance(b, str) and \
                    (a.startswith(b) or b.startswith(a)):
                errors.append(("path-overlap", "%s %r and %s %r overlap"
                               % (wa, a, wb, b)))

    log = plan.get("log")
    if log is not None:
        _unknown_keys("log", log, LOG_KEYS, errors)
        if isinstance(log, dict):
            _check_tags("log", log.get("tags") or [], False, errors)

    on_node = plan.get("on_node")
    if on_node is not None:
        _unknown_keys("on_node", on_node, ON_NODE_KEYS, errors)

    resources = plan.get("resources")
    if resources is not None:
        if not isinstance(resources, dict):
            errors.append(("resources", "resources must be a mapping"))
        else:
            for name, q in resources.items():
                if isinstance(q, bool) or not isinstance(q, (str, int, float)) \
                        or not QUANTITY.match(str(q)) or str(q).startswith("-"):
                    errors.append(("resources", "resources.%s: %r is not a "
                                   "Kubernetes quantity" % (name, q)))

    ann = plan.get("annotations")
    if ann is not None:
        if not isinstance(ann, list) or not all(isinstance(a, str) and "=" in a for a in ann):
            errors.append(("annotations", "annotations must be \"key=value\" strings"))
    active = plan.get("active")
    if active is not None and not isinstance(active, bool):
        errors.append(("unknown-key", "active must be true or false"))
    return errors


# ---------------------------------------------------------------------------
# 2. The dependency graph


def tag_set(tags):
    out = set()
    for t in tags or []:
        kv = parse_tag(t)
        if kv is not None:
            out.add(kv)
    return out


def edges(plans):
    """(from_plan, output_path, to_plan, input_path) for every output (the log
    as "(log)") whose tags include all tags of an input."""
    result = []
    for src, p in plans.items():
        outs = [(o.get("path"), tag_set(o.get("tags")))
                for o in p.get("outputs") or [] if isinstance(o, dict)]
        if isinstance(p.get("log"), dict):
            outs.append(("(log)", tag_set(p["log"].get("tags"))))
        for dst, q in plans.items():
            for i in q.get("inputs") or []:
                if not isinstance(i, dict):
                    continue
                need = tag_set(i.get("tags"))
                for opath, have in outs:
                    if need and need <= have:
                        result.append((src, opath, dst, i.get("path")))
    return result


def find_cycle(plans):
    succ = {name: set() for name in plans}
    for src, _, dst, _ in edges(plans):
        succ[src].add(dst)
    state = {}

    def visit(n, trail):
        state[n] = 1
        for m in sorted(succ[n]):
            if state.get(m) == 1:
                return trail + [n, m]
            if m not in state:
                found = visit(m, trail + [n])
                if found:
                    return found
        state[n] = 2
        return None

    for n in sorted(plans):
        if n not in state:
            found = visit(n, [])
            if found:
                return found
    return None


def check_graph(plans):
    errors = []
    es = edges(plans)
    feeds = {(s, d) for s, _, d, _ in es}
    for train in ("initial-train", "incremental-train"):
        if not any(s == train and d == "validate" and o == "/out/model" and i == "/in/model"
                   for s, o, d, i in es):
            errors.append(("graph-validate", "validate is not downstream of %s "
                           "(/out/model -> /in/model)" % train))
    if ("incremental-train", "incremental-train") in feeds:
        errors.append(("graph-self", "incremental-train feeds itself (Knitfab: "
                       "\"plan's tag dependency makes cycle\")"))
    if ("initial-train", "incremental-train") in feeds:
        errors.append(("graph-initial", "initial-train feeds incremental-train "
                       "without anyone adding mode:incremental-train"))
    else:
        # ...but does once the model is tagged (walkthrough step 6.6).
        tagged = copy.deepcopy(plans)
        for o in tagged["initial-train"].get("outputs") or []:
            if o.get("path") == "/out/model":
                o["tags"] = list(o.get("tags") or []) + ["mode:incremental-train"]
        if not any(s == "initial-train" and d == "incremental-train" and i == "/in/model"
                   for s, _, d, i in edges(tagged)):
            errors.append(("graph-initial", "a model from initial-train tagged "
                           "mode:incremental-train still does not reach "
                           "incremental-train's /in/model"))
    cycle = find_cycle(plans)
    if cycle:
        errors.append(("graph-cycle", "cycle: %s" % " -> ".join(cycle)))
    return errors


# ---------------------------------------------------------------------------
# 3. Plans against images


def dockerfile_config(stage):
    """ENTRYPOINT, CMD and VOLUME of the last stage of the stage's Dockerfile
    (exec form only: the shell form would hide the arguments in one string)."""
    path = os.path.join(DOCKERFILES_DIR, "%s.Dockerfile" % stage)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines, buf = [], ""
    for raw in text.splitlines():
        s = raw.strip()
        if not buf and (not s or s.startswith("#")):
            continue
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        lines.append(buf + s)
        buf = ""
    cfg = {"Entrypoint": None, "Cmd": None, "Volumes": {}, "WorkingDir": ""}
    for line in lines:
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            cfg = {"Entrypoint": None, "Cmd": None, "Volumes": {}, "WorkingDir": ""}
        elif word in ("ENTRYPOINT", "CMD"):
            try:
                value = json.loads(rest)
            except ValueError:
                value = ["/bin/sh", "-c", rest]     # shell form, as Docker does
            cfg["Entrypoint" if word == "ENTRYPOINT" else "Cmd"] = value
        elif word == "VOLUME":
            try:
                vols = json.loads(rest)
            except ValueError:
                vols = shlex.split(rest)
            for v in vols:
                cfg["Volumes"][v] = {}
        elif word == "WORKDIR":
            cfg["WorkingDir"] = posixpath.join(cfg["WorkingDir"] or "/", rest.strip())
    return cfg


def image_config(stage):
    ref = "spam-detection-%s:v1.0" % stage
    out = subprocess.run(["docker", "image", "inspect", "--format",
                          "{{json .Config}}", ref],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError("docker image inspect %s: %s" % (ref, out.stderr.strip()))
    return json.loads(out.stdout)


_IN = re.compile(r"(^|/)in(/|$)")
_OUT = re.compile(r"(^|/)out(/|$)")


def template_mounts(cfg):
    """The inputs and outputs `knit plan template` derives from an image
    (cmd/knit/subcommands/plan/template FromImage)."""
    wd = cfg.get("WorkingDir") or "/"
    ins, outs = set(), set()
    words = list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or []) + \
        list((cfg.get("Volumes") or {}).keys())
    for w in words:
        p = w if posixpath.isabs(w) else posixpath.join(wd, w)
        p = posixpath.normpath(p)
        if _IN.search(w):
            ins.add(p)
        elif _OUT.search(w):
            outs.add(p)
    return ins, outs


def check_against_image(plan, cfg):
    errors = []
    if plan.get("entrypoint") != cfg.get("Entrypoint"):
        errors.append(("image-command", "entrypoint %r != image ENTRYPOINT %r"
                       % (plan.get("entrypoint"), cfg.get("Entrypoint"))))
    if plan.get("args") != cfg.get("Cmd"):
        errors.append(("image-command", "args %r != image CMD %r"
                       % (plan.get("args"), cfg.get("Cmd"))))
    declared_in = {m.get("path") for m in plan.get("inputs") or [] if isinstance(m, dict)}
    declared_out = {m.get("path") for m in plan.get("outputs") or [] if isinstance(m, dict)}
    for a in plan.get("args") or []:
        if "/" in a and a not in declared_in | declared_out:
            errors.append(("args-paths", "argument %r is not a declared input or "
                           "output path" % a))
    ins, outs = template_mounts(cfg)
    if ins != declared_in or outs != declared_out:
        errors.append(("template", "knit plan template would derive inputs %s "
                       "outputs %s, the Plan declares %s %s"
                       % (sorted(ins), sorted(outs), sorted(declared_in),
                          sorted(declared_out))))
    return errors


def check_image_name(stage, plan):
    want = "%s/spam-detection-%s:v1.0" % (REGISTRY, stage)
    if plan.get("image") != want:
        return [("image", "image %r, expected %r" % (plan.get("image"), want))]
    return []


# ---------------------------------------------------------------------------
# Runner


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok   %s" % name)
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, ("\n     " + detail.replace("\n", "\n     "))
                                 if detail else ""))


def fmt(errors):
    return "\n".join("[%s] %s" % e for e in errors)


def all_errors(plans, configs):
    errs = []
    for stage in STAGES:
        errs += [(r, "%s: %s" % (stage, m)) for r, m in check_plan(plans[stage])]
        errs += [(r, "%s: %s" % (stage, m))
                 for r, m in check_against_image(plans[stage], configs[stage])]
    errs += check_graph(plans)
    return errs


def _set(path, value):
    def f(plans):
        obj = plans
        for k in path[:-1]:
            obj = obj[k]
        obj[path[-1]] = value
    return f


def _rename(path, new):
    def f(plans):
        obj = plans
        for k in path[:-1]:
            obj = obj[k]
        obj[new] = obj.pop(path[-1])
    return f


def _append(path, value):
    def f(plans):
        obj = plans
        for k in path:
            obj = obj[k]
        obj.append(value)
    return f


def _both(*fs):
    def f(plans):
        for g in fs:
            g(plans)
    return f


# (description, mutation, rule that must report it). Each breaks one rule in
# a copy of the good Plans.
MUTATIONS = [
    ("misspelled top-level key logs:",
     _rename(("validate", "log"), "logs"), "unknown-key"),
    ("misspelled top-level key resouces:",
     _rename(("initial-train", "resources"), "resouces"), "unknown-key"),
    ("misspelled mount key tag:",
     _rename(("validate", "outputs", 0, "tags"), "tag"), "unknown-key"),
    ("no inputs",
     _set(("initial-train", "inputs"), []), "inputs"),
    ("an input without tags",
     _set(("validate", "inputs", 1, "tags"), []), "input-tags"),
    ("tag without ':'",
     _set(("initial-train", "inputs", 0, "tags", 0), "project-spam-detection"),
     "tag-format"),
    ("tag written as a YAML mapping (project: spam-detection)",
     _set(("initial-train", "outputs", 0, "tags", 0), {"project": "spam-detection"}),
     "tag-format"),
    ("tag with an empty key (:value)",
     _set(("validate", "log", "tags", 0), ":log"), "tag-format"),
    ("knit# tag on an output",
     _append(("initial-train", "outputs", 0, "tags"), "knit#id:0000"), "system-tag"),
    ("knit# tag on the log",
     _append(("validate", "log", "tags"), "knit#transient:failed"), "system-tag"),
    ("image without a tag",
     _set(("validate", "image"), "localhost:30503/spam-detection-validate"), "image"),
    ("image with an upper-case name",
     _set(("validate", "image"), "localhost:30503/Spam-Detection:v1.0"), "image"),
    ("relative mount path",
     _set(("initial-train", "inputs", 0, "path"), "in/dataset"), "path"),
    ("mount path with a trailing slash",
     _set(("initial-train", "outputs", 0, "path"), "/out/model/"), "path"),
    ("mount path with ..",
     _set(("validate", "inputs", 1, "path"), "/in/x/../model"), "path"),
    ("mount paths overlapping by string prefix (/in/data, /in/dataset)",
     _set(("validate", "inputs", 1, "path"), "/in/data"), "path-overlap"),
    ("mount path nested in another (/in, /in/dataset)",
     _append(("incremental-train", "inputs"), {"path": "/in", "tags": ["type:x"]}),
     "path-overlap"),
    ("memory not a Kubernetes quantity (1GB)",
     _set(("initial-train", "resources", "memory"), "1GB"), "resources"),
    ("cpu not a Kubernetes quantity (one)",
     _set(("validate", "resources", "cpu"), "one"), "resources"),
    ("initial model tagged mode:incremental-train by the Plan itself",
     _append(("initial-train", "outputs", 0, "tags"), "mode:incremental-train"),
     "graph-initial"),
    ("incremental /in/model without mode:incremental-train (walkthrough Problem 2)",
     _set(("incremental-train", "inputs", 1, "tags"),
          ["project:spam-detection", "type:model"]), "graph-self"),
    ("incremental output tagged mode:incremental-train",
     _append(("incremental-train", "outputs", 0, "tags"), "mode:incremental-train"),
     "graph-self"),
    ("validate wants a model tag no training Plan writes",
     _append(("validate", "inputs", 1, "tags"), "stage:final"), "graph-validate"),
    ("validate metrics tagged as an initial dataset (validate -> initial -> validate)",
     _both(_append(("validate", "outputs", 0, "tags"), "type:dataset"),
           _append(("validate", "outputs", 0, "tags"), "mode:initial-train")),
     "graph-cycle"),
    ("args with --dataset=/in/dataset (one argument)",
     _set(("initial-train", "args"), ["--dataset=/in/dataset", "--save-to", "/out/model"]),
     "args-paths"),
    ("entrypoint differs from the image",
     _set(("validate", "entrypoint"), ["/usr/bin/spam-validate"]), "image-command"),
    ("args differ from the image",
     _set(("incremental-train", "args"),
          ["--dataset", "/in/dataset", "--save-to", "/out/model"]), "image-command"),
    ("args name a path that is not mounted",
     _set(("validate", "args"), ["--dataset", "/in/dataset", "--model", "/in/models",
                                 "--save-to", "/out/metrics"]), "args-paths"),
    ("Plan mounts a path the image does not use",
     _append(("initial-train", "inputs"), {"path": "/in/extra", "tags": ["type:x"]}),
     "template"),
]

DUPLICATE_KEY_FIXTURE = """\
image: "localhost:30503/spam-detection-validate:v1.0"
inputs:
  - path: "/in/dataset"
    tags: ["type:dataset"]
outputs: []
outputs: []
"""


def main(argv):
    use_images = "--images" in argv
    r = Results()

    plans = load_plans()
    configs = {s: dockerfile_config(s) for s in STAGES}

    for stage in STAGES:
        errs = check_plan(plans[stage]) + check_image_name(stage, plans[stage])
        r.check("%s: Plan follows Knitfab's rules" % stage, not errs, fmt(errs))
        errs = check_against_image(plans[stage], configs[stage])
        r.check("%s: Plan matches Dockerfiles/%s.Dockerfile" % (stage, stage),
                not errs, fmt(errs))
        if use_images:
            try:
                cfg = image_config(stage)
                errs = check_against_image(plans[stage], cfg)
            except RuntimeError as e:
                errs = [("image", str(e))]
            r.check("%s: Plan matches image spam-detection-%s:v1.0" % (stage, stage),
                    not errs, fmt(errs))

    errs = check_graph(plans)
    r.check("graph: validate downstream of both trainings, no self-feed, "
            "initial feeds incremental only once tagged, no cycle", not errs, fmt(errs))
    for s, o, d, i in sorted(edges(plans)):
        print("     edge %s %s -> %s %s" % (s, o, d, i))

    baseline = all_errors(plans, configs)
    for desc, mutate, rule in MUTATIONS:
        broken = copy.deepcopy(plans)
        mutate(broken)
        errs = all_errors(broken, configs)
        rules = {e[0] for e in errs}
        new = [e for e in errs if e not in baseline]
        r.check("rule %-14s catches: %s" % (rule, desc),
                rule in rules and not baseline,
                "expected rule %s, got:\n%s" % (rule, fmt(new) or "(nothing)"))

    try:
        load_plan_text(DUPLICATE_KEY_FIXTURE)
        r.check("rule duplicate-key catches: a key given twice", False,
                "loaded without complaint")
    except yaml.YAMLError:
        r.check("rule duplicate-key catches: a key given twice", True)

    print("%d passed, %d failed" % (r.passed, r.failed))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
