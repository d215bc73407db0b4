"""Review and improvement (檢討改善): actions that answer a finding of the results, with
their owner, due date, measure, status, evidence, audited history and before/after."""
