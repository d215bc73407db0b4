# Reference values for tests/analysis from R's survey package (Lumley).
#
# Run from the repository root:
#   Rscript tests/analysis/reference/make_reference.R
# It writes the data sets it uses as CSV and every result as JSON beside this script, so the
# Python test suite compares against exactly these numbers without needing R.
# Needs Debian's r-cran-survey and r-cran-jsonlite.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

out_dir <- "tests/analysis/reference"
ref <- list()
ref[["_meta"]] <- list(
  R = R.version.string,
  survey = as.character(packageVersion("survey")),
  lonely_psu_default = getOption("survey.lonely.psu")
)

put <- function(id, ...) {
  ref[[id]] <<- list(...)
}

stat <- function(id, s) {
  # svystat (svymean / svytotal), one or more components
  d <- attr(s, "deff")
  put(id,
      estimate = unname(as.vector(coef(s))),
      se = unname(as.vector(SE(s))),
      deff = if (is.null(d)) NULL else unname(as.vector(diag(as.matrix(d)))),
      names = names(coef(s)))
}

# ---------------------------------------------------------------- data
data(api)
write.csv(apistrat, file.path(out_dir, "apistrat.csv"), row.names = FALSE)
write.csv(apiclus1, file.path(out_dir, "apiclus1.csv"), row.names = FALSE)
write.csv(apiclus2, file.path(out_dir, "apiclus2.csv"), row.names = FALSE)
write.csv(apisrs, file.path(out_dir, "apisrs.csv"), row.names = FALSE)

# Designed corner cases: strata with a single PSU, missing values, zero weights, two stages
# with fpc at both stages, Likert items, waves, and margins for raking.
set.seed(20240611)
rows <- list()
psu_id <- 0
for (h in 1:6) {
  npsu <- if (h == 6) 1 else sample(2:4, 1)
  Npsu <- npsu * 3 + 2
  for (i in seq_len(npsu)) {
    psu_id <- psu_id + 1
    nssu <- sample(2:5, 1)
    Nssu <- nssu * 4
    for (j in seq_len(nssu)) {
      rows[[length(rows) + 1]] <- data.frame(
        stratum = paste0("S", h), psu = psu_id, ssu = j,
        fpc1 = Npsu, fpc2 = Nssu,
        w = round(runif(1, 5, 40), 2),
        y = round(rnorm(1, 50 + 3 * h, 10), 1),
        x = round(runif(1, 1, 9), 2),
        sat = sample(1:5, 1, prob = c(.05, .1, .2, .35, .3)),
        sex = sample(c("F", "M"), 1),
        age = sample(c("18-34", "35-54", "55+"), 1, prob = c(.3, .4, .3)),
        wave = sample(c("2023", "2024"), 1)
      )
    }
  }
}
corner <- do.call(rbind, rows)
corner$y[c(3, 17, 30)] <- NA
corner$w[c(5, 22)] <- 0
corner$top2 <- as.numeric(corner$sat >= 4)
write.csv(corner, file.path(out_dir, "corner.csv"), row.names = FALSE)

# ---------------------------------------------------------------- designs
dstrat <- svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus1n <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
dclus2n <- svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)
dsrs <- svydesign(id = ~1, fpc = ~fpc, data = apisrs)
designs <- list(strat = dstrat, clus1 = dclus1, clus1nofpc = dclus1n,
                clus2 = dclus2, clus2nofpc = dclus2n, srs = dsrs)

for (nm in names(designs)) {
  d <- designs[[nm]]
  put(paste0(nm, ".degf"), value = degf(d))
  put(paste0(nm, ".weights"), sum = sum(weights(d)), first = unname(weights(d)[1:5]))
  stat(paste0(nm, ".mean.api00"), svymean(~api00, d, deff = TRUE))
  stat(paste0(nm, ".mean.enroll"), svymean(~enroll, d, deff = TRUE, na.rm = TRUE))
  stat(paste0(nm, ".total.enroll"), svytotal(~enroll, d, deff = TRUE, na.rm = TRUE))
  stat(paste0(nm, ".prop.stype"), svymean(~stype, d, deff = TRUE))
  r <- svyratio(~api.stu, ~enroll, d, deff = TRUE, na.rm = TRUE)
  put(paste0(nm, ".ratio"), estimate = unname(as.vector(coef(r))),
      se = unname(as.vector(SE(r))), deff = unname(as.vector(attr(r, "deff"))))
  b <- svyby(~api00, ~stype, d, svymean)
  put(paste0(nm, ".by.api00.stype"), levels = as.character(b$stype),
      estimate = unname(b$api00), se = unname(SE(b)))
  bt <- svyby(~api00, ~stype, d, svytotal)
  put(paste0(nm, ".bytotal.api00.stype"), levels = as.character(bt$stype),
      estimate = unname(bt$api00), se = unname(SE(bt)))
  for (lv in c("E", "H", "M")) {
    sd <- subset(d, stype == lv)
    stat(paste0(nm, ".subset.", lv, ".mean.api00"), svymean(~api00, sd, deff = TRUE))
    put(paste0(nm, ".subset.", lv, ".degf"), value = degf(sd))
  }
  q <- svyquantile(~api00, d, c(0.1, 0.25, 0.5, 0.9), ci = TRUE)
  put(paste0(nm, ".quantile.api00"), q = c(0.1, 0.25, 0.5, 0.9),
      estimate = unname(q$api00[, 1]), ci_low = unname(q$api00[, 2]),
      ci_high = unname(q$api00[, 3]), se = unname(q$api00[, 4]))
  for (m in c("logit", "beta", "mean", "asin", "xlogit")) {
    cp <- svyciprop(~I(sch.wide == "Yes"), d, method = m)
    put(paste0(nm, ".ciprop.", m), estimate = unname(as.vector(coef(cp))),
        se = unname(sqrt(as.vector(attr(cp, "var")))),
        ci = unname(as.vector(attr(cp, "ci"))))
  }
  g <- svyglm(api00 ~ ell + meals + mobility, design = d)
  put(paste0(nm, ".glm.gaussian"), names = names(coef(g)), params = unname(coef(g)),
      bse = unname(SE(g)), df = g$df.residual)
  g2 <- svyglm(I(sch.wide == "Yes") ~ ell + meals + stype, design = d, family = quasibinomial())
  put(paste0(nm, ".glm.binomial"), names = names(coef(g2)), params = unname(coef(g2)),
      bse = unname(SE(g2)), df = g2$df.residual)
  g3 <- svyglm(api00 ~ both, design = d)
  put(paste0(nm, ".difference.both"), estimate = unname(coef(g3)[2]),
      se = unname(SE(g3)[2]), df = g3$df.residual)
  gf <- svygofchisq(~stype, p = c(0.7, 0.12, 0.18), design = d)
  put(paste0(nm, ".gof.stype"), statistic = unname(gf$statistic),
      scale = unname(gf$parameter[1]), df = unname(gf$parameter[2]), p = unname(gf$p.value))
  ch <- svychisq(~sch.wide + stype, d)
  put(paste0(nm, ".chisq.schwide.stype"), statistic = unname(ch$statistic),
      ndf = unname(ch$parameter[1]), ddf = unname(ch$parameter[2]), p = unname(ch$p.value))
}

# ---------------------------------------------------------------- calibration
pop_stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_sch <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1460, 4734))
cal <- list(
  ps_clus1 = postStratify(dclus1, ~stype, pop_stype),
  ps_clus2 = postStratify(dclus2, ~stype, pop_stype),
  rake_clus1 = rake(dclus1, list(~stype, ~sch.wide), list(pop_stype, pop_sch)),
  rake_strat = rake(dstrat, list(~sch.wide, ~awards),
                    list(pop_sch, data.frame(awards = c("No", "Yes"), Freq = c(2236, 3958))))
)
for (nm in names(cal)) {
  d <- cal[[nm]]
  put(paste0(nm, ".weights"), values = unname(weights(d)))
  stat(paste0(nm, ".mean.api00"), svymean(~api00, d, deff = TRUE))
  stat(paste0(nm, ".total.enroll"), svytotal(~enroll, d, na.rm = TRUE))
  stat(paste0(nm, ".prop.stype"), svymean(~stype, d))
  b <- svyby(~api00, ~stype, d, svymean)
  put(paste0(nm, ".by.api00.stype"), levels = as.character(b$stype),
      estimate = unname(b$api00), se = unname(SE(b)))
  stat(paste0(nm, ".subset.E.mean.api00"), svymean(~api00, subset(d, stype == "E")))
  g <- svyglm(api00 ~ ell + meals + mobility, design = d)
  put(paste0(nm, ".glm.gaussian"), names = names(coef(g)), params = unname(coef(g)),
      bse = unname(SE(g)), df = g$df.residual)
}
tw <- trimWeights(dclus1, upper = 40, lower = 30)
put("trim_clus1.weights", values = unname(weights(tw)))
stat("trim_clus1.mean.api00", svymean(~api00, tw))

# ---------------------------------------------------------------- corner cases
for (opt in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = opt)
  dc <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = corner)
  stat(paste0("corner.", opt, ".mean.y"), svymean(~y, dc, na.rm = TRUE, deff = TRUE))
  stat(paste0("corner.", opt, ".total.x"), svytotal(~x, dc))
  b <- svyby(~x, ~sex, dc, svymean)
  put(paste0("corner.", opt, ".by.x.sex"), levels = as.character(b$sex),
      estimate = unname(b$x), se = unname(SE(b)))
  stat(paste0("corner.", opt, ".subset.S6.mean.x"), svymean(~x, subset(dc, stratum == "S6")))
  dc2 <- svydesign(id = ~psu + ssu, strata = ~stratum, fpc = ~fpc1 + fpc2, data = corner)
  stat(paste0("corner2.", opt, ".mean.x"), svymean(~x, dc2))
  stat(paste0("corner2.", opt, ".total.y"), svytotal(~y, dc2, na.rm = TRUE))
}
options(survey.lonely.psu = "fail")
dc <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc1,
                data = subset(corner, stratum != "S6"))
put("corner.fpc.degf", value = degf(dc))
stat("corner.fpc.mean.y", svymean(~y, dc, na.rm = TRUE, deff = TRUE))
stat("corner.fpc.mean.top2", svymean(~top2, dc, deff = TRUE))
stat("corner.fpc.mean.sat", svymean(~sat, dc, deff = TRUE))
stat("corner.fpc.prop.age", svymean(~age, dc, deff = TRUE))
stat("corner.fpc.subset.F.y", svymean(~y, subset(dc, sex == "F"), na.rm = TRUE))
g <- svyglm(y ~ x + sex, design = dc)
put("corner.fpc.glm.missing", names = names(coef(g)), params = unname(coef(g)),
    bse = unname(SE(g)), df = g$df.residual)
g3 <- svyglm(sat ~ wave, design = dc)
put("corner.fpc.difference.wave", estimate = unname(coef(g3)[2]),
    se = unname(SE(g3)[2]), df = g3$df.residual)
q <- svyquantile(~y, dc, c(0.5, 0.75), na.rm = TRUE)
put("corner.fpc.quantile.y", q = c(0.5, 0.75), estimate = unname(q$y[, 1]),
    ci_low = unname(q$y[, 2]), ci_high = unname(q$y[, 3]), se = unname(q$y[, 4]))
pop_sex <- data.frame(sex = c("F", "M"), Freq = c(1500, 1400))
pop_age <- data.frame(age = c("18-34", "35-54", "55+"), Freq = c(900, 1100, 900))
rk <- rake(dc, list(~sex, ~age), list(pop_sex, pop_age))
put("corner.rake.weights", values = unname(weights(rk)))
stat("corner.rake.mean.top2", svymean(~top2, rk, deff = TRUE))
stat("corner.rake.mean.y", svymean(~y, rk, na.rm = TRUE))
# R divides by zero weights in rake's variance (NaN SE); the same design without the
# zero-weight rows is the reference for our handling of them.
dcz <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc1,
                 data = subset(corner, stratum != "S6" & w > 0))
rkz <- rake(dcz, list(~sex, ~age), list(pop_sex, pop_age))
stat("corner.rakez.mean.top2", svymean(~top2, rkz, deff = TRUE))
stat("corner.rakez.mean.y", svymean(~y, rkz, na.rm = TRUE))
b <- svyby(~top2, ~wave, rkz, svymean)
put("corner.rake.by.top2.wave", levels = as.character(b$wave),
    estimate = unname(b$top2), se = unname(SE(b)))

# ---------------------------------------------------------------- corner cases of issue 17
# svyciprop(method = "likelihood"): R profiles the quasibinomial deviance on a grid and
# interpolates a spline through it; the Python side solves the profile equation exactly.
for (nm in names(designs)) {
  cp <- svyciprop(~I(sch.wide == "Yes"), designs[[nm]], method = "likelihood")
  put(paste0(nm, ".ciprop.likelihood"), estimate = unname(as.vector(coef(cp))),
      ci = unname(as.vector(attr(cp, "ci"))))
}
# A proportion of 1 (and 0): what R prints, and Korn & Graubard's boundary interval
# (Clopper-Pearson on the number of respondents, with svyciprop's beta df adjustment).
options(survey.lonely.psu = "fail")
dcb <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc1,
                 data = transform(subset(corner, stratum != "S6"), all1 = 1, all0 = 0))
for (m in c("logit", "beta", "mean", "asin", "xlogit")) {
  cp <- suppressWarnings(svyciprop(~all1, dcb, method = m))
  put(paste0("boundary.r.", m), estimate = unname(as.vector(coef(cp))),
      ci = unname(as.vector(attr(cp, "ci"))))
}
n_resp <- sum(weights(dcb) != 0)
for (lv in c(0.95, 0.9)) {
  a <- 1 - lv
  neff <- n_resp * (qt(a / 2, n_resp - 1) / qt(a / 2, degf(dcb)))^2
  put(paste0("boundary.kg.", lv), n = n_resp, degf = degf(dcb),
      p1 = c(qbeta(a / 2, neff, 1), 1), p0 = c(0, qbeta(1 - a / 2, 1, neff)))
}
# t quantile on the design's degrees of freedom for a mean and a by() table
for (nm in c("strat", "clus1", "clus2")) {
  d <- designs[[nm]]
  put(paste0(nm, ".confint.t.api00"), df = degf(d),
      ci = unname(as.vector(confint(svymean(~api00, d), df = degf(d)))),
      ci90 = unname(as.vector(confint(svymean(~api00, d), level = 0.9, df = degf(d)))))
}
# Rao-Scott on a domain: svychisq takes the denominator df from the domain's clusters
chisq_dom <- list(
  clus1_meals = subset(dclus1, meals > 40),
  strat_meals = subset(dstrat, meals > 50),
  clus2_meals = subset(dclus2, meals > 50),
  rake_clus1_meals = subset(cal$rake_clus1, meals > 40)
)
for (nm in names(chisq_dom)) {
  ch <- svychisq(~sch.wide + stype, chisq_dom[[nm]])
  put(paste0("chisq_domain.", nm), statistic = unname(ch$statistic),
      ndf = unname(ch$parameter[1]), ddf = unname(ch$parameter[2]), p = unname(ch$p.value))
}
# lonely_psu = "average": svyby's joint covariance (covmat = TRUE) and a contrast
options(survey.lonely.psu = "average")
dca <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = corner)
dca2 <- svydesign(id = ~psu + ssu, strata = ~stratum, fpc = ~fpc1 + fpc2, data = corner)
for (nm in c("dca", "dca2")) {
  d <- get(nm)
  for (g in c("sex", "age")) {
    b <- svyby(~x, as.formula(paste0("~", g)), d, svymean, covmat = TRUE)
    put(paste0("average.", nm, ".by.x.", g), levels = names(coef(b)),
        estimate = unname(coef(b)), se = unname(SE(b)), vcov = unname(as.vector(vcov(b))))
  }
  b <- svyby(~x, ~sex, d, svymean, covmat = TRUE)
  ct <- svycontrast(b, c(-1, 1))
  put(paste0("average.", nm, ".contrast.sex"), estimate = unname(coef(ct)),
      se = unname(SE(ct)))
}
# a calibrated design keeps every row in its domains, so "average" counts every stratum there
dcap <- postStratify(dca, ~sex, data.frame(sex = c("F", "M"), Freq = c(1500, 1400)))
stat("average.poststrat.subset.S6.mean.x", svymean(~x, subset(dcap, stratum == "S6")))
b <- svyby(~x, ~stratum, dcap, svymean)
put("average.poststrat.by.x.stratum", estimate = unname(b$x), se = unname(SE(b)))
# survey.adjust.domain.lonely = TRUE: a stratum with one PSU inside the domain
for (opt in c("adjust", "average")) {
  options(survey.lonely.psu = opt, survey.adjust.domain.lonely = TRUE)
  dcl <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = corner)
  dom <- subset(dcl, psu %% 3 != 0)
  stat(paste0("domain_lonely.", opt, ".mean.x"), suppressWarnings(svymean(~x, dom)))
  b <- suppressWarnings(svyby(~x, ~age, dcl, svymean))
  put(paste0("domain_lonely.", opt, ".by.x.age"), levels = as.character(b$age),
      estimate = unname(b$x), se = unname(SE(b)))
  options(survey.adjust.domain.lonely = FALSE)
  stat(paste0("domain_lonely_off.", opt, ".mean.x"), svymean(~x, dom))
}
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE)

# ---------------------------------------------------------------- trends (analysis.trend)
# Meta-regression with known variances: lm with weights 1/se^2; its SE over sigma is the
# fixed-scale SE, and sigma^2 the heterogeneity chi-square over its df.
trend_sets <- list(
  calm = list(x = 2020:2024, y = c(0.70, 0.72, 0.71, 0.75, 0.78),
              se = c(0.02, 0.015, 0.02, 0.01, 0.012)),
  scatter = list(x = c(0, 0.5, 1, 1.5, 2, 2.5), y = c(0.70, 0.78, 0.69, 0.80, 0.74, 0.85),
                 se = c(0.015, 0.012, 0.02, 0.01, 0.015, 0.012))
)
for (nm in names(trend_sets)) {
  ts_ <- trend_sets[[nm]]
  fit <- lm(y ~ x, weights = 1 / ts_$se^2, data = ts_)
  sm_ <- summary(fit)
  put(paste0("trend.", nm), x = ts_$x, y = ts_$y, se = ts_$se,
      params = unname(coef(fit)), fixed_se = unname(sm_$coefficients[, 2] / sm_$sigma),
      lm_se = unname(sm_$coefficients[, 2]), lm_p = unname(sm_$coefficients[2, 4]),
      chi2 = sum(residuals(fit)^2 / ts_$se^2), df = fit$df.residual)
}
# GLS with the waves' joint covariance from svyby(covmat = TRUE), by matrix algebra
b <- svyby(~api00, ~stype, dclus1, svymean, covmat = TRUE)
V <- vcov(b)
X <- cbind(1, c(E = 1, H = 3, M = 2)[as.character(b$stype)])
W <- solve(V)
covb <- solve(t(X) %*% W %*% X)
beta <- covb %*% t(X) %*% W %*% coef(b)
r <- coef(b) - X %*% beta
put("trend.gls.clus1.stype", levels = as.character(b$stype), params = as.vector(beta),
    se = sqrt(diag(covb)), chi2 = as.vector(t(r) %*% W %*% r))
# STL and a quasi-Poisson seasonal model of a monthly count series
set.seed(5)
tt <- 1:72
monthly <- round(120 + 0.8 * tt + 25 * sin(2 * pi * tt / 12) + 10 * cos(2 * pi * tt / 6) +
                 rnorm(72, 0, 8))
monthly[40] <- monthly[40] + 90
write.csv(data.frame(y = monthly), file.path(out_dir, "monthly.csv"), row.names = FALSE)
for (cfg in list(list("robust_deg1", 1, TRUE), list("plain_deg0", 0, FALSE))) {
  st <- stl(ts(monthly, frequency = 12), s.window = 7, s.degree = cfg[[2]], robust = cfg[[3]])
  put(paste0("stl.", cfg[[1]]), seasonal = unname(as.vector(st$time.series[, "seasonal"])),
      trend = unname(as.vector(st$time.series[, "trend"])))
}
t0 <- 0:71
season <- factor(t0 %% 12 + 1)
g <- glm(monthly ~ t0 + season, family = quasipoisson)
new <- data.frame(t0 = 72:83, season = factor(72:83 %% 12 + 1, levels = 1:12))
pr <- predict(g, new, se.fit = TRUE, type = "link")
phi <- summary(g)$dispersion
q <- qt(0.975, g$df.residual)
mu <- exp(pr$fit)
put("seasonal.glm", names = names(coef(g)), params = unname(coef(g)),
    bse = unname(sqrt(diag(vcov(g)))), dispersion = phi, df = g$df.residual,
    se_link = unname(pr$se.fit), mean = unname(mu),
    mean_low = unname(exp(pr$fit - q * pr$se.fit)), mean_high = unname(exp(pr$fit + q * pr$se.fit)),
    low = unname(pmax(mu - q * sqrt(phi * mu + mu^2 * pr$se.fit^2), 0)),
    high = unname(mu + q * sqrt(phi * mu + mu^2 * pr$se.fit^2)))

# ---------------------------------------------------------------- svyby for other statistics
by_designs <- list(strat = dstrat, clus1 = dclus1, clus2 = dclus2, rake_clus1 = cal$rake_clus1)
for (nm in names(by_designs)) {
  d <- update(by_designs[[nm]], yes = as.numeric(sch.wide == "Yes"))
  # svyby(covmat = TRUE) fails in survey 4.1.1 on the raked design: no vcov there
  joint <- function(expr) tryCatch(expr, error = function(e) NULL)
  b <- svyby(~yes, ~stype, d, svymean)
  bc <- joint(svyby(~yes, ~stype, d, svymean, covmat = TRUE))
  put(paste0("by_prop.", nm), estimate = unname(coef(b)), se = unname(SE(b)),
      vcov = if (is.null(bc)) NULL else unname(as.vector(vcov(bc))))
  for (m in c("logit", "beta", "likelihood")) {
    b <- svyby(~yes, ~stype, d, svyciprop, vartype = "ci", method = m)
    put(paste0("by_ciprop.", nm, ".", m), estimate = unname(b$yes),
        ci_l = unname(b$ci_l), ci_u = unname(b$ci_u))
  }
  b <- svyby(~api00, by = ~stype, denominator = ~api99, design = d, svyratio)
  bc <- joint(svyby(~api00, by = ~stype, denominator = ~api99, design = d, svyratio,
                    covmat = TRUE))
  put(paste0("by_ratio.", nm), estimate = unname(coef(b)), se = unname(SE(b)),
      vcov = if (is.null(bc)) NULL else unname(as.vector(vcov(bc))))
  b <- svyby(~api00, ~stype, d, svyquantile, quantiles = 0.5, ci = TRUE, vartype = c("se", "ci"))
  put(paste0("by_quantile.", nm), estimate = unname(coef(b)), se = unname(SE(b)),
      ci_l = unname(b$ci_l), ci_u = unname(b$ci_u))
}

# ---------------------------------------------------------------- calibrate (GREG, raking, logit)
pop_totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
calib <- list(
  linear = calibrate(dclus1, ~stype + api99, pop_totals),
  linear_bounded = calibrate(dclus1, ~stype + api99, pop_totals, bounds = c(0.6, 1.6)),
  raking = calibrate(dclus1, ~stype + api99, pop_totals, calfun = "raking"),
  logit = calibrate(dclus1, ~stype + api99, pop_totals, calfun = "logit", bounds = c(0.5, 2.5)),
  clus2_linear = calibrate(dclus2, ~stype + sch.wide,
                           c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018,
                             sch.wideYes = 4734)),
  strat_raking = calibrate(dstrat, ~sch.wide + awards,
                           c(`(Intercept)` = 6194, sch.wideYes = 4734, awardsYes = 3958),
                           calfun = "raking")
)
for (nm in names(calib)) {
  d <- calib[[nm]]
  put(paste0("calibrate.", nm, ".weights"), values = unname(weights(d)))
  stat(paste0("calibrate.", nm, ".mean.api00"), svymean(~api00, d))
  stat(paste0("calibrate.", nm, ".total.enroll"), svytotal(~enroll, d, na.rm = TRUE))
  b <- svyby(~api00, ~stype, d, svymean)
  put(paste0("calibrate.", nm, ".by.api00.stype"), estimate = unname(b$api00), se = unname(SE(b)))
  stat(paste0("calibrate.", nm, ".subset.E.mean.api00"), svymean(~api00, subset(d, stype == "E")))
}

write_json(ref, file.path(out_dir, "r_reference.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, null = "null", na = "null")
cat("wrote", length(ref), "reference entries\n")
