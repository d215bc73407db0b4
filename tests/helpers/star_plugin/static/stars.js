// Says how many stars are chosen, next to the stars (no inline script: served as a file).
document.querySelectorAll("[data-stars]").forEach((group) => {
  const output = group.querySelector(".stars-chosen");
  const show = () => {
    const chosen = group.querySelector("input:checked");
    output.textContent = chosen ? `${chosen.value} / 5` : "";
    group.dataset.ready = "yes";
  };
  group.addEventListener("change", show);
  show();
});
