# Reference values for the estimators added after make_reference.R (issue 17): replicate
# weights, svyolr, Poisson svyglm with regTermTest, svytable/svychisq/svyvar, svykm, and
# svyquantile's other rules and intervals. Run from the repository root:
#   Rscript tests/analysis/reference/make_reference_estimators.R
# It writes r_reference_estimators.json and the data sets it makes (boot_clus1.csv,
# jkn_strat.csv, brr.csv, km.csv) beside this script.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

out_dir <- "tests/analysis/reference"
ref <- list()
ref[["_meta"]] <- list(R = R.version.string, survey = as.character(packageVersion("survey")))
put <- function(id, ...) ref[[id]] <<- list(...)
stat <- function(id, s) {
  put(id, estimate = unname(as.vector(coef(s))), se = unname(as.vector(SE(s))))
}
qput <- function(id, q) {
  # one svyquantile result (newsvyquantile): estimate, ci and se per quantile
  m <- q[[1]]
  put(id, estimate = unname(m[, 1]), ci_l = unname(m[, 2]), ci_u = unname(m[, 3]),
      se = unname(m[, 4]))
}

data(api)
apistrat$yes <- as.numeric(apistrat$sch.wide == "Yes")
apiclus1$yes <- as.numeric(apiclus1$sch.wide == "Yes")
apiclus2$yes <- as.numeric(apiclus2$sch.wide == "Yes")
dstrat <- svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)

# ---------------------------------------------------------------- replicate weights
# BRR: the first 30 districts of apiclus2 in 15 pseudo-strata of two
dn <- sort(unique(apiclus2$dnum))[1:30]
brr <- apiclus2[apiclus2$dnum %in% dn, ]
brr$pair <- paste0("P", sprintf("%02d", (match(brr$dnum, dn) + 1) %/% 2))
write.csv(brr, file.path(out_dir, "brr.csv"), row.names = FALSE)
dbrr_lin <- svydesign(id = ~dnum, strata = ~pair, weights = ~pw, data = brr)

set.seed(20261203)
rep_designs <- list(
  clus1_JK1 = as.svrepdesign(dclus1, type = "JK1"),
  strat_JKn = as.svrepdesign(dstrat, type = "JKn"),
  clus2_JK1 = suppressWarnings(as.svrepdesign(dclus2, type = "JK1")),
  brr_BRR = as.svrepdesign(dbrr_lin, type = "BRR"),
  clus1_boot = as.svrepdesign(dclus1, type = "bootstrap", replicates = 50)
)
put("rep.brr_BRR.weights", values = unname(as.vector(weights(rep_designs$brr_BRR, "analysis"))))
put("rep.strat_JKn.rscales", values = unname(rep_designs$strat_JKn$rscales))
put("rep.clus1_JK1.scale", value = rep_designs$clus1_JK1$scale)

# given replicate weights (svrepdesign): R's bootstrap weights and the JKn weights as columns
bw <- weights(rep_designs$clus1_boot, "analysis")
colnames(bw) <- paste0("bw", seq_len(ncol(bw)))
write.csv(cbind(apiclus1, bw), file.path(out_dir, "boot_clus1.csv"), row.names = FALSE)
put("rep.clus1_boot.scale", value = rep_designs$clus1_boot$scale)
# R reads the weights back, so both sides use the same (15-digit) numbers
boot <- read.csv(file.path(out_dir, "boot_clus1.csv"))
boot$yes <- as.numeric(boot$sch.wide == "Yes")
rep_designs$clus1_boot <- svrepdesign(data = boot, repweights = "bw[0-9]+", weights = ~pw,
                                      type = "bootstrap", scale = rep_designs$clus1_boot$scale)
jw <- weights(rep_designs$strat_JKn, "analysis")
colnames(jw) <- paste0("jw", seq_len(ncol(jw)))
write.csv(cbind(apistrat, jw), file.path(out_dir, "jkn_strat.csv"), row.names = FALSE)
jkn <- read.csv(file.path(out_dir, "jkn_strat.csv"))
jkn$yes <- as.numeric(jkn$sch.wide == "Yes")
rep_designs$strat_given <- svrepdesign(data = jkn, repweights = "jw[0-9]+",
                                       weights = ~pw, type = "JKn",
                                       rscales = rep_designs$strat_JKn$rscales)
rep_designs$clus1_mse <- as.svrepdesign(dclus1, type = "JK1", mse = TRUE)

for (nm in names(rep_designs)) {
  d <- rep_designs[[nm]]
  p <- paste0("rep.", nm, ".")
  put(paste0(p, "degf"), value = degf(d))
  stat(paste0(p, "mean.api00"), svymean(~api00, d))
  stat(paste0(p, "total.enroll"), svytotal(~enroll, d, na.rm = TRUE))
  r <- svyratio(~api.stu, ~enroll, d, na.rm = TRUE)
  put(paste0(p, "ratio"), estimate = unname(coef(r)), se = unname(SE(r)))
  stat(paste0(p, "prop.stype"), svymean(~stype, d))
  v <- svyvar(~api00, d)
  put(paste0(p, "var.api00"), estimate = unname(as.vector(coef(v))), se = unname(as.vector(SE(v))))
  qput(paste0(p, "quantile.mean"), svyquantile(~api00, d, c(0.25, 0.5), ci = TRUE))
  qput(paste0(p, "quantile.quantile"),
       suppressWarnings(svyquantile(~api00, d, c(0.25, 0.5), ci = TRUE, interval.type = "quantile")))
  for (m in c("logit", "beta", "mean", "xlogit", "asin", "likelihood")) {
    ci <- svyciprop(~yes, d, method = m)
    put(paste0(p, "ciprop.", m), estimate = as.numeric(ci), se = as.numeric(sqrt(attr(ci, "var"))),
        ci = unname(as.vector(attr(ci, "ci"))))
  }
  b <- svyby(~api00, ~stype, d, svymean, covmat = TRUE)
  put(paste0(p, "by.mean"), estimate = unname(coef(b)), se = unname(SE(b)),
      vcov = unname(as.vector(vcov(b))))
  b <- svyby(~api00, ~stype, d, svytotal, covmat = TRUE)
  put(paste0(p, "by.total"), estimate = unname(coef(b)), se = unname(SE(b)),
      vcov = unname(as.vector(vcov(b))))
  b <- svyby(~yes, ~stype, d, svymean, covmat = TRUE)
  put(paste0(p, "by.prop"), estimate = unname(coef(b)), se = unname(SE(b)),
      vcov = unname(as.vector(vcov(b))))
  b <- svyby(~api00, by = ~stype, denominator = ~api99, design = d, svyratio, covmat = TRUE)
  put(paste0(p, "by.ratio"), estimate = unname(coef(b)), se = unname(SE(b)),
      vcov = unname(as.vector(vcov(b))))
  b <- svyby(~yes, ~stype, d, svyciprop, vartype = "ci", method = "logit")
  put(paste0(p, "by.ciprop"), estimate = unname(b$yes), ci_l = unname(b$ci_l), ci_u = unname(b$ci_u))
  b <- svyby(~api00, ~stype, d, svyquantile, quantiles = 0.5, ci = TRUE, vartype = c("se", "ci"))
  put(paste0(p, "by.quantile"), estimate = unname(coef(b)), se = unname(SE(b)),
      ci_l = unname(b$ci_l), ci_u = unname(b$ci_u))
  g <- svyglm(api00 ~ ell + meals, d)
  put(paste0(p, "glm.gaussian"), coef = unname(coef(g)), se = unname(SE(g)), df = g$df.residual)
  g <- svyglm(yes ~ api99 + ell, d, family = quasibinomial)
  put(paste0(p, "glm.binomial"), coef = unname(coef(g)), se = unname(SE(g)))
  g <- svyglm(enroll ~ stype + meals, d, family = quasipoisson)
  put(paste0(p, "glm.poisson"), coef = unname(coef(g)), se = unname(SE(g)))
  stat(paste0(p, "subset.E.mean"), svymean(~api00, subset(d, stype == "E")))
  put(paste0(p, "subset.E.degf"), value = degf(subset(d, stype == "E")))
}

# ---------------------------------------------------------------- svyquantile rules and intervals
rules <- c("math", "school", "shahvaish", paste0("hf", 1:9))
for (nm in c("strat", "clus1")) {
  d <- list(strat = dstrat, clus1 = dclus1)[[nm]]
  for (r in rules) {
    qput(paste0("qrule.", nm, ".", r), svyquantile(~api00, d, c(0.1, 0.5, 0.9), qrule = r, ci = TRUE))
  }
  for (it in c("beta", "xlogit", "asin", "score")) {
    qput(paste0("qinterval.", nm, ".", it),
         svyquantile(~api00, d, c(0.25, 0.5), interval.type = it, ci = TRUE))
  }
  b <- svyby(~api00, ~stype, d, svyquantile, quantiles = 0.5, qrule = "hf7",
             interval.type = "beta", ci = TRUE, vartype = c("se", "ci"))
  put(paste0("qby.", nm), estimate = unname(coef(b)), se = unname(SE(b)),
      ci_l = unname(b$ci_l), ci_u = unname(b$ci_u))
}

# ---------------------------------------------------------------- svyolr, Poisson svyglm, regTermTest
for (nm in c("strat", "clus1")) {
  d <- update(list(strat = dstrat, clus1 = dclus1)[[nm]],
              apicat = cut(api00, c(0, 600, 700, 1000)))
  # R's optim stops at reltol 1e-8; a tighter tolerance gives the optimum both sides reach
  o <- svyolr(apicat ~ ell + meals + stype, d, control = list(reltol = 1e-14, maxit = 1000))
  put(paste0("olr.", nm), coef = unname(coef(o)), se = unname(SE(o)), names = names(coef(o)),
      df = o$df.residual)
  t <- regTermTest(o, ~stype)
  put(paste0("olr_termtest.", nm), f = unname(t$Ftest), df = unname(t$df), ddf = unname(t$ddf),
      p = unname(t$p))
  o <- svyolr(apicat ~ ell + meals + stype, d)
  put(paste0("olr_default.", nm), coef = unname(coef(o)), se = unname(SE(o)))
  g <- svyglm(enroll ~ stype + meals, d, family = poisson)
  put(paste0("glm_poisson.", nm), coef = unname(coef(g)), se = unname(SE(g)), df = g$df.residual)
  g <- svyglm(enroll ~ stype + meals, d, family = quasipoisson)
  put(paste0("glm_quasipoisson.", nm), coef = unname(coef(g)), se = unname(SE(g)))
  # the F statistic is large: glm's default convergence (1e-8) moves it by 1e-5 relative
  g <- svyglm(enroll ~ stype + meals, d, family = quasipoisson,
              control = glm.control(epsilon = 1e-14, maxit = 100))
  t <- regTermTest(g, ~stype)
  put(paste0("regtermtest.", nm), f = unname(t$Ftest), df = unname(t$df), ddf = unname(t$ddf),
      p = unname(t$p))
}

# ---------------------------------------------------------------- svytable, svychisq, svyvar
for (nm in c("strat", "clus1", "clus2")) {
  d <- list(strat = dstrat, clus1 = dclus1, clus2 = dclus2)[[nm]]
  tb <- svytable(~stype + sch.wide, d)
  put(paste0("table.", nm), values = unname(as.vector(tb)))
  for (s in c("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint")) {
    x <- svychisq(~stype + sch.wide, d, statistic = s)
    put(paste0("chisq.", nm, ".", s), statistic = unname(x$statistic),
        parameter = unname(as.vector(x$parameter)), p = unname(x$p.value))
  }
  v <- svyvar(~api00, d)
  put(paste0("var.", nm), estimate = unname(as.vector(coef(v))), se = unname(as.vector(SE(v))))
  v <- svyvar(~enroll, subset(d, stype == "E"), na.rm = TRUE)
  put(paste0("var_domain.", nm), estimate = unname(as.vector(coef(v))), se = unname(as.vector(SE(v))))
}

# ---------------------------------------------------------------- svykm
set.seed(20261204)
km <- data.frame(unit = rep(paste0("U", 1:6), each = 30))
km$psu <- paste0(km$unit, "-", rep(1:5, each = 6, times = 6))
km$w <- round(runif(nrow(km), 2, 12), 1)
km$days <- pmax(1, round(rexp(nrow(km), 1 / 14)))
km$closed <- as.numeric(runif(nrow(km)) < 0.8)
km$days[c(5, 6)] <- km$days[4]  # ties
km$channel <- sample(c("web", "phone"), nrow(km), replace = TRUE)
write.csv(km, file.path(out_dir, "km.csv"), row.names = FALSE)
dkm <- svydesign(id = ~psu, strata = ~unit, weights = ~w, data = km)
s <- svykm(Surv(days, closed) ~ 1, dkm, se = TRUE)
put("km.all", time = s$time, surv = s$surv, varlog = s$varlog)
s <- svykm(Surv(days, closed) ~ 1, dkm)
put("km.all_nose", time = s$time, surv = s$surv)
s <- svykm(Surv(days, closed) ~ 1, subset(dkm, channel == "web"), se = TRUE)
put("km.web", time = s$time, surv = s$surv, varlog = s$varlog)

write_json(ref, file.path(out_dir, "r_reference_estimators.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, null = "null", na = "null")
cat("wrote", length(ref), "reference entries\n")
